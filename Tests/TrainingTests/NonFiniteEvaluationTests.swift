import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTraining
import Foundation
import Testing

/// The evaluation of a model whose logits are NaN (one NaN weight): every head scores 0
/// with every sample counted non-finite, and the branches do not "agree".
@Suite struct NonFiniteEvaluationTests {
    static let spec = """
        schema: canopy/1
        seed: 2
        data: {dataset: synthetic, batch_size: 16, synthetic: {channels: 1, size: 8, classes: 3, train: 32, test: 40}}
        model:
          backbone: {name: resnet_cifar, depth: 8, widths: [4, 4, 4]}
          branches: {count: 2, from: stage2}
          ensemble: mean
        losses:
          - {name: ce, plugin: cross_entropy, foreach: branch, inputs: {logits: "branch[*].logits", target: target}}
        optimizer: {name: sgd, lr: 0.05}
        train: {epochs: 1, threads: 1}
        eval: {metrics: [{name: top_k, k: [1, 2]}]}
        """

    @Test func nanWeightScoresZeroOnEveryHead() throws {
        let (experiment, _) = try TrainingTests.compile(Self.spec)
        let plans = ExperimentPlans(experiment)
        plans.memory.initialize(seed: experiment.spec.seed)
        let data = try ExperimentData(experiment.spec)
        let evaluator = Evaluator(plans)
        let before = Dictionary(uniqueKeysWithValues: evaluator.evaluate(data.test, prefix: "test"))
        #expect(before["test.deploy.nonfinite"] == 0)
        #expect(before["test.diversity.nonfinite"] == 0)

        let conv1 = try #require(plans.memory.namedTensors.first { $0.name == "conv1.weight" }).tensor
        conv1.f[0] = .nan
        let results = evaluator.evaluate(data.test, prefix: "test")
        let r = Dictionary(uniqueKeysWithValues: results)
        for head in ["trunk", "branch[0]", "branch[1]", "ensemble", "deploy"] where r["test.\(head).top1"] != nil {
            #expect(r["test.\(head).top1"] == 0, "\(head)")
            #expect(r["test.\(head).top2"] == 0, "\(head)")
            #expect(r["test.\(head).nonfinite"] == 40, "\(head)")
        }
        #expect(r["test.deploy.top1"] == 0)
        #expect(r["test.diversity.disagreement"] == 1)
        #expect(r["test.diversity.nonfinite"] == 40)
    }
}
