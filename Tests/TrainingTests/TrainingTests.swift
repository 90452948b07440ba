import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTraining
import Foundation
import Testing

/// End-to-end training on real data (a Fashion-MNIST subset), determinism, resume.
@Suite(.serialized) struct TrainingTests {
    /// A small ResNet-8 with 2 peers on 1,024 Fashion-MNIST images at 28x28: seconds in a debug build.
    static let spec = """
        schema: canopy/1
        seed: 3
        data: {dataset: fashion_mnist, batch_size: 64, train_subset: 1024, validation: 256, test_subset: 512}
        model:
          backbone: {name: resnet_cifar, depth: 8, widths: [8, 16, 16]}
          branches: {count: 2, from: stage2}
          ensemble: mean
        losses:
          - {name: ce, plugin: cross_entropy, foreach: branch, inputs: {logits: "branch[*].logits", target: target}}
          - name: kd
            plugin: kd_kl
            foreach: branch
            params: {temperature: 3}
            inputs: {student: "branch[*].logits", teacher: ensemble.logits}
            detach: [teacher]
            weight: {ramp: 2, max: 1}
        optimizer: {name: sgd, lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 5.0e-4}
        schedule: {name: cosine}
        train: {epochs: 4, threads: 1}
        eval: {metrics: [{name: top_k, k: [1, 5]}]}
        """

    /// Writes `text` to a temporary spec file and compiles it.
    static func compile(_ text: String = spec, overrides: [String] = []) throws -> (CompiledExperiment, String) {
        let dir = NSTemporaryDirectory() + "canopy-training-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/spec.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let diagnostics = DiagnosticEngine()
        let compiled = SpecFrontEnd.compile(path, overrides: overrides, plugins: try BuiltInPlugins.set(), diagnostics: diagnostics)
        #expect(!diagnostics.hasErrors, "\(diagnostics.render())")
        return (try #require(compiled), dir)
    }

    /// Trains into `dir/run` and returns the metrics.jsonl lines; `interrupt` replaces the signal flag.
    static func train(
        _ experiment: CompiledExperiment, _ dir: String, resume: Bool = false, stopAfter: Int? = nil,
        interrupt: (() -> Bool)? = nil
    ) throws -> [String] {
        let plans = ExperimentPlans(experiment)
        var options = Trainer.Options(directory: dir + "/run")
        try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        options.resume = resume
        options.progress.quiet = true
        options.stopAfterSteps = stopAfter
        if let interrupt { options.interruptRequested = interrupt }
        let trainer = Trainer(plans: plans, data: try ExperimentData(experiment.spec), options: options)
        do { try trainer.run() } catch is TrainingInterrupted {}
        return try String(contentsOfFile: options.directory + "/metrics.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func number(_ line: String, _ key: String) -> Double? {
        guard let v = try? JSON.parse(line), let x = v[key] else { return nil }
        switch x {
        case let .double(d): return d
        case let .int(i): return Double(i)
        default: return nil
        }
    }

    @Test func learnsFashionMNIST() throws {
        let (experiment, dir) = try Self.compile()
        let lines = try Self.train(experiment, dir)
        #expect(lines.count == 4)
        let firstLoss = try #require(Self.number(lines[0], "loss.ce[0]")), lastLoss = try #require(Self.number(lines[3], "loss.ce[0]"))
        #expect(lastLoss < firstLoss * 0.7, "cross-entropy fell from \(firstLoss) to \(lastLoss)")
        for key in ["test.branch[0].top1", "test.ensemble.top1", "test.deploy.top1", "val.deploy.top1"] {
            let accuracy = try #require(Self.number(lines[3], key), "\(key) missing")
            #expect(accuracy > 0.45, "\(key) = \(accuracy); chance is 0.1")
        }
        #expect(try #require(Self.number(lines[3], "test.deploy.top5")) > 0.85)
        let final = try JSON.parse(String(contentsOfFile: dir + "/run/final.json", encoding: .utf8))
        #expect(final["last"]?["test.deploy.top1"] != nil)
        #expect(FileManager.default.fileExists(atPath: dir + "/run/checkpoint.safetensors"))
    }

    @Test func sameSeedGivesIdenticalMetrics() throws {
        let small = ["train.epochs=2", "data.train_subset=512", "data.test_subset=128", "data.validation=64"]
        let (experiment, dir1) = try Self.compile(overrides: small)
        let (_, dir2) = try Self.compile(overrides: small)
        #expect(try Self.train(experiment, dir1) == Self.train(experiment, dir2))
    }

    @Test func resumedRunEqualsUninterruptedRun() throws {
        let small = ["train.epochs=2", "data.train_subset=512", "data.test_subset=128", "data.validation=64"]
        let (experiment, dir) = try Self.compile(overrides: small)
        let uninterrupted = try Self.train(experiment, dir)
        let (_, cut) = try Self.compile(overrides: small)
        // 8 steps per epoch: stop mid-epoch 1, then mid-epoch 2, resuming each time.
        _ = try Self.train(experiment, cut, stopAfter: 5)
        _ = try Self.train(experiment, cut, resume: true, stopAfter: 7)
        let resumed = try Self.train(experiment, cut, resume: true)
        #expect(resumed == uninterrupted)
        #expect(
            try String(contentsOfFile: cut + "/run/final.json", encoding: .utf8)
                == String(contentsOfFile: dir + "/run/final.json", encoding: .utf8))
    }

    /// An interrupt right after an epoch's last step: the resumed run has no step left in
    /// that epoch and still records the learning rate of its last step (was 0.0).
    @Test func resumeAfterAnEpochsLastStepEqualsUninterruptedRun() throws {
        let small = ["train.epochs=2", "train.steps_per_epoch=1", "data.train_subset=512", "data.test_subset=128", "data.validation=64"]
        let (experiment, dir) = try Self.compile(overrides: small)
        _ = try Self.train(experiment, dir)
        let (_, cut) = try Self.compile(overrides: small)
        #expect(try Self.train(experiment, cut, stopAfter: 1).isEmpty)
        let resumed = try Self.train(experiment, cut, resume: true)
        #expect(Self.number(resumed[0], "lr") == 0.05)
        #expect(
            try String(contentsOfFile: cut + "/run/metrics.jsonl", encoding: .utf8)
                == String(contentsOfFile: dir + "/run/metrics.jsonl", encoding: .utf8))
    }

    /// Ctrl-C during the final evaluation: the evaluation is abandoned at its next batch,
    /// the run stops as interrupted (no final.json), and resume redoes the evaluation and
    /// ends identical to an uninterrupted run.
    @Test func interruptDuringEvaluationIsResumedToAnIdenticalRun() throws {
        let small = ["train.epochs=1", "train.steps_per_epoch=1", "data.train_subset=512", "data.test_subset=128", "data.validation=64"]
        let (experiment, dir) = try Self.compile(overrides: small)
        let uninterrupted = try Self.train(experiment, dir)
        let (_, cut) = try Self.compile(overrides: small)
        // Asked after the one training step (no), then before the first evaluation batch (yes).
        final class Asked { var count = 0 }
        let asked = Asked()
        let lines = try Self.train(
            experiment, cut,
            interrupt: {
                asked.count += 1
                return asked.count > 1
            })
        #expect(asked.count == 2, "the evaluation did not ask for interrupts")
        #expect(lines.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: cut + "/run/final.json"))
        let checkpoint = try SafetensorsFile(contentsOf: cut + "/run/checkpoint.safetensors")
        #expect(checkpoint.metadata["epoch"] == "0" && checkpoint.metadata["step"] == "1")
        #expect(try Self.train(experiment, cut, resume: true) == uninterrupted)
        #expect(
            try String(contentsOfFile: cut + "/run/final.json", encoding: .utf8)
                == String(contentsOfFile: dir + "/run/final.json", encoding: .utf8))
    }

    /// Resuming a finished run trains nothing (a step would trip stopAfterSteps) and keeps its results.
    @Test func resumingAFinishedRunTrainsNothing() throws {
        let (experiment, dir) = try Self.compile(overrides: [
            "train.epochs=1", "train.steps_per_epoch=1", "data.train_subset=512",
            "data.test_subset=128", "data.validation=64",
        ])
        let lines = try Self.train(experiment, dir)
        let final = try String(contentsOfFile: dir + "/run/final.json", encoding: .utf8)
        let plans = ExperimentPlans(experiment)
        var options = Trainer.Options(directory: dir + "/run")
        options.resume = true
        options.progress.quiet = true
        options.stopAfterSteps = 1
        try Trainer(plans: plans, data: try ExperimentData(experiment.spec), options: options).run()
        #expect(try String(contentsOfFile: dir + "/run/metrics.jsonl", encoding: .utf8).split(separator: "\n").map(String.init) == lines)
        #expect(try String(contentsOfFile: dir + "/run/final.json", encoding: .utf8) == final)
    }

    static func nanRun(_ dir: String, _ experiment: CompiledExperiment, resume: Bool = false, stopAfter: Int? = nil) throws -> Trainer {
        var options = Trainer.Options(directory: dir + "/run")
        try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
        options.progress.quiet = true
        options.resume = resume
        options.stopAfterSteps = stopAfter
        return Trainer(plans: ExperimentPlans(experiment), data: try ExperimentData(experiment.spec), options: options)
    }

    /// A NaN loss before any checkpoint says that none is kept (it claimed "the last good checkpoint").
    @Test func nanLossBeforeTheFirstCheckpointSaysNoneIsKept() throws {
        let (experiment, dir) = try Self.compile(overrides: ["optimizer.lr=1.0e30", "train.epochs=2", "data.train_subset=512"])
        #expect {
            try Self.nanRun(dir, experiment).run()
        } throws: { error in
            let text = "\(error)"
            return text.contains("loss term '") && text.contains("at epoch 1, step ")
                && text.hasSuffix("training stopped, before its first checkpoint (none is kept)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/checkpoint.safetensors"))
    }

    /// A NaN loss after a checkpoint names it: the step-1 checkpoint of the exploding learning rate, resumed.
    @Test func nanLossNamesTheCheckpointKept() throws {
        let (experiment, dir) = try Self.compile(overrides: ["optimizer.lr=1.0e30", "train.epochs=2", "data.train_subset=512"])
        #expect(throws: TrainingInterrupted.self) { try Self.nanRun(dir, experiment, stopAfter: 1).run() }
        #expect {
            try Self.nanRun(dir, experiment, resume: true).run()
        } throws: {
            "\($0)".hasSuffix("training stopped, the last good checkpoint (at epoch 1, step 1) is kept in \(dir)/run/checkpoint.safetensors")
        }
    }

    @Test func missingDatasetDirectoryIsNamed() throws {
        let (experiment, _) = try Self.compile(
            Self.spec.replacingOccurrences(
                of: "dataset: fashion_mnist, batch_size: 64, train_subset: 1024, validation: 256, test_subset: 512",
                with: "dataset: cifar10, path: /nonexistent/cifar, batch_size: 64"))
        #expect {
            _ = try ExperimentData(experiment.spec)
        } throws: { "\($0)".contains("/nonexistent/cifar") }
    }
}
