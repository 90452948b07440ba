import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// The `t2b` method end to end through the compiler: the deployed trunk is exactly the
/// plain backbone, the training cost stays within 1.15x of the plain backbone's, every
/// ablation switch compiles, and the list-input rules of losses hold.
@Suite struct T2BMethodTests {
    static let plugins: PluginSet = { (try? BuiltInPlugins.set()) ?? PluginSet(kernels: KernelRegistry()) }()

    /// Compiles `yaml` (written to a temporary file); returns the result and the diagnostics text.
    static func compile(_ yaml: String, overrides: [String] = []) -> (CompiledExperiment?, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("t2b-\(UUID().uuidString).yaml").path
        try? yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let diagnostics = DiagnosticEngine()
        let compiled = SpecFrontEnd.compile(path, overrides: overrides, plugins: plugins, diagnostics: diagnostics)
        return (compiled, diagnostics.render().replacingOccurrences(of: path, with: "t.yaml"))
    }

    static func spec(method: String, losses: String = "", depth: Int = 32) -> String {
        """
        schema: canopy/1
        data: {dataset: synthetic, batch_size: 8, synthetic: {channels: 3, size: 32, classes: 100}}
        model:
          backbone: {name: resnet_cifar, depth: \(depth)}
        \(method)
        \(losses)
        optimizer: {name: sgd, lr: 0.1}
        """
    }

    static let plainLosses = "losses: [{name: ce, plugin: cross_entropy, inputs: {logits: trunk.logits, target: target}}]"

    @Test func deployedTrunkIsThePlainBackboneAndTrainingCostIsBounded() throws {
        let (t2b, t2bErrors) = Self.compile(Self.spec(method: "method: {name: t2b}"))
        let (plain, plainErrors) = Self.compile(Self.spec(method: "", losses: Self.plainLosses))
        let t = PlanReport(ExperimentPlans(try #require(t2b, "\(t2bErrors)")))
        let p = PlanReport(ExperimentPlans(try #require(plain, "\(plainErrors)")))
        #expect(t.deployParameters == p.parameters)
        #expect(t.deployMACs == p.deployMACs && p.deployMACs == p.forwardMACs)
        let ratio = Double(t.trainingMACs) / Double(p.trainingMACs)
        #expect(ratio <= 1.15, "t2b training MACs \(t.trainingMACs) are \(ratio)x the plain backbone's \(p.trainingMACs)")
        print("t2b ResNet-32 training MACs/image \(t.trainingMACs) vs plain \(p.trainingMACs): ratio \(ratio)")
        let heads = try #require(t2b).heads.map(\.name)
        #expect(heads == ["branch[0]", "branch[1]", "branch[2]", "ensemble", "deploy"])
    }

    @Test(arguments: [
        "{name: t2b, permeation: false}",
        "{name: t2b, stages: [stage1, stage2, stage3]}",
        "{name: t2b, detach_permeation: true}",
        "{name: t2b, decorrelation: A}",
        "{name: t2b, decorrelation: B}",
        "{name: t2b, decorrelation: off, branchwise_kd: false}",
        "{name: t2b, ensemble_kd: false, ensemble_to_branch_kd: true, detach_teachers: false}",
        "{name: t2b, branches: 4, kernels: [3, 5, 7, 9], width: 32, ramp: 0, temperature: 2}",
        "{name: t2b, branches: 1, decorrelation: off}",
    ])
    func everyAblationCompiles(_ method: String) throws {
        let (compiled, errors) = Self.compile(Self.spec(method: "method: \(method)", depth: 8))
        #expect(compiled != nil, "\(method): \(errors)")
    }

    @Test func allStagePermeationConcatenatesEveryStage() throws {
        let (compiled, errors) = Self.compile(Self.spec(method: "method: {name: t2b, stages: [stage1, stage2, stage3]}", depth: 8))
        let c = try #require(compiled, "\(errors)")
        #expect(c.graph[try #require(c.values["permeation.output"])].spec.shape.dims == [8, 16 + 32 + 64, 8, 8])
        #expect(c.graph.parameters.contains { c.graph[$0].name == "branch.2.dw.weight" && c.graph[$0].spec.shape.dims == [112, 1, 7, 7] })
    }

    @Test func badParamsAreReported() {
        #expect(Self.compile(Self.spec(method: "method: {name: t2b, kernels: [3, 5]}")).1.contains("expected 3 kernel sizes"))
        #expect(Self.compile(Self.spec(method: "method: {name: t2b, decorrelation: C}")).1.contains("unknown decorrelation 'C'"))
    }

    @Test func listInputRules() {
        let dec = { (inputs: String, extra: String) in
            Self.spec(
                method: "method: {name: t2b, decorrelation: off}",
                losses: "losses: [{name: d, plugin: decorrelation, \(extra) inputs: \(inputs)}]")
        }
        // A list input takes every branch without foreach; an ordinary input still needs foreach.
        #expect(Self.compile(dec("{branches: \"branch[*].feature\"}", "")).0 != nil)
        #expect(
            Self.compile(dec("{branches: \"branch[*].feature\", target: \"branch[*].logits\"}", "")).1
                .contains("'[*]' needs 'foreach: branch' on the loss"))
        #expect(
            Self.compile(dec("{branches: \"branch[*].logits\"}", "params: {variant: B},")).1
                .contains("variant B needs input 'target'"))
        #expect(Self.compile(dec("{branches: \"branch[*].logits\", target: target}", "params: {variant: B},")).0 != nil)
        let plain = Self.spec(method: "", losses: "losses: [{name: d, plugin: decorrelation, inputs: {branches: \"branch[*].feature\"}}]")
        #expect(Self.compile(plain).1.contains("names every branch but the model has no branches"))
    }
}
