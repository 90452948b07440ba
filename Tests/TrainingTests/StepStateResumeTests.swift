import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// Step state (`step_memory`) across an interruption: a LightSKD run, whose DSR term reads
/// the previous batch's sorted logits from the buffer `dsr.memory`, stopped mid-epoch and
/// resumed from its checkpoint writes the same metrics.jsonl and final.json as the run
/// without interruption, so the buffer is saved and restored exactly (a resumed run that
/// started from an empty memory would differ from its first step on).
@Suite struct StepStateResumeTests {
    static let specPath = GoldenFiles.packageRoot.appendingPathComponent("specs/fashion-mnist/lightskd-resnet8.yaml")
    static let shrink = [
        "data.train_subset=512", "data.test_subset=128", "data.batch_size=64", "train.epochs=2", "train.threads=1",
        "eval.every=1", "model.backbone.widths=[8, 16, 16]",
    ]

    @Test func resumedLightSKDRunEqualsUninterruptedRun() throws {
        let text = try String(contentsOf: Self.specPath, encoding: .utf8)
        let (experiment, dir) = try TrainingTests.compile(text, overrides: Self.shrink)
        #expect(experiment.graph.states.contains { $0.name == "dsr.memory" })
        let uninterrupted = try TrainingTests.train(experiment, dir)
        #expect(uninterrupted.count == 2)
        let (_, cut) = try TrainingTests.compile(text, overrides: Self.shrink)
        // 8 steps per epoch: stop mid-epoch 1, then mid-epoch 2, resuming each time.
        _ = try TrainingTests.train(experiment, cut, stopAfter: 3)
        _ = try TrainingTests.train(experiment, cut, resume: true, stopAfter: 7)
        let resumed = try TrainingTests.train(experiment, cut, resume: true)
        #expect(resumed == uninterrupted)
        #expect(
            try String(contentsOfFile: cut + "/run/final.json", encoding: .utf8)
                == String(contentsOfFile: dir + "/run/final.json", encoding: .utf8))
    }
}
