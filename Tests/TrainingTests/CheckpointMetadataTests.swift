import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTraining
import Foundation
import Testing

/// `--resume` from a checkpoint whose metadata was corrupted, one field at a time: each
/// gives an error naming the file and the field (an epoch or step beyond the spec's
/// used to trap with "Range requires lowerBound <= upperBound"); the intact checkpoint
/// resumes.
@Suite(.serialized) struct CheckpointMetadataTests {
    /// 64 synthetic images in batches of 16: 4 steps per epoch, 2 epochs, seed 2.
    static let spec = """
        schema: canopy/1
        seed: 2
        data: {dataset: synthetic, batch_size: 16, synthetic: {channels: 1, size: 8, classes: 3, train: 64, test: 16}}
        model: {backbone: {name: resnet_cifar, depth: 8, widths: [4, 4, 4]}}
        losses: [{name: ce, plugin: cross_entropy, inputs: {logits: trunk.logits, target: target}}]
        optimizer: {name: sgd, lr: 0.05}
        train: {epochs: 2, threads: 1}
        """

    /// A metadata field replaced (nil: removed) and a text the error must contain after "PATH: ".
    static let corruptions: [(field: String, value: String?, error: String)] = [
        ("epoch", "99", "metadata field 'epoch' is '99', expected an integer in 0...2 (the spec's 2 epochs)"),
        ("epoch", "-1", "metadata field 'epoch' is '-1', expected an integer in 0...2"),
        ("epoch", "one", "metadata field 'epoch' is 'one', expected an integer in 0...2"),
        ("epoch", nil, "metadata field 'epoch' is missing"),
        ("epoch", "2", "metadata field 'step' is '1', expected an integer in 0...0 (0 once every epoch is done)"),
        ("step", "99999", "metadata field 'step' is '99999', expected an integer in 0...4 (4 steps per epoch)"),
        ("step", "-1", "metadata field 'step' is '-1', expected an integer in 0...4"),
        ("step", "", "metadata field 'step' is '', expected an integer in 0...4"),
        ("step", nil, "metadata field 'step' is missing"),
        ("optimizer_steps", "-3", "metadata field 'optimizer_steps' is '-3', expected an integer in 1...1"),
        ("optimizer_steps", "99", "metadata field 'optimizer_steps' is '99', expected an integer in 1...1"),
        ("optimizer_steps", nil, "metadata field 'optimizer_steps' is missing"),
        ("seed", "5", "metadata field 'seed' is '5', the spec's seed is 2"),
        ("seed", "-2", "metadata field 'seed' is '-2', the spec's seed is 2"),
        ("seed", nil, "metadata field 'seed' is missing"),
        ("spec_hash", nil, "metadata field 'spec_hash' is missing"),
        ("loss_sums", nil, "metadata field 'loss_sums' is missing"),
        ("loss_sums", "{\"terms\":", "metadata field 'loss_sums' is not a JSON object"),
        ("loss_sums", "[1]", "metadata field 'loss_sums' is not a JSON object"),
        ("loss_sums", #"{"terms":["kd"],"sums":[1.0],"steps":1}"#, "metadata field 'loss_sums' does not hold this spec's loss terms [\"ce\"]"),
        ("loss_sums", #"{"terms":["ce"],"sums":[1.0,2.0],"steps":1}"#, "metadata field 'loss_sums' does not hold 1 sums under 'sums'"),
        ("loss_sums", #"{"terms":["ce"],"sums":["x"],"steps":1}"#, "metadata field 'loss_sums' has '\"x\"' as the sum of 'ce'"),
        ("loss_sums", #"{"terms":["ce"],"sums":[1.0],"steps":-1}"#, "metadata field 'loss_sums' does not give the step count 1 under 'steps'"),
        ("loss_sums", #"{"terms":["ce"],"sums":[1.0]}"#, "metadata field 'loss_sums' does not give the step count 1 under 'steps'"),
    ]

    static func trainer(_ experiment: CompiledExperiment, _ directory: String, resume: Bool, stopAfter: Int? = nil) throws -> Trainer {
        var options = Trainer.Options(directory: directory)
        options.resume = resume
        options.progress.quiet = true
        options.stopAfterSteps = stopAfter
        return Trainer(plans: ExperimentPlans(experiment), data: try ExperimentData(experiment.spec), options: options)
    }

    @Test func everyCorruptFieldIsNamed() throws {
        let (experiment, dir) = try TrainingTests.compile(Self.spec)
        let run = dir + "/run", path = run + "/checkpoint.safetensors"
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        // One step: the checkpoint stands at epoch 0, step 1, after 1 optimizer step.
        #expect(throws: TrainingInterrupted.self) { try Self.trainer(experiment, run, resume: false, stopAfter: 1).run() }
        let intact = try SafetensorsFile(contentsOf: path)
        #expect(intact.metadata["step"] == "1" && intact.metadata["optimizer_steps"] == "1")

        for corruption in Self.corruptions {
            var metadata = intact.metadata
            metadata[corruption.field] = corruption.value
            try SafetensorsWriter(metadata: metadata).withTensors(of: intact).write(to: path)
            let trainer = try Self.trainer(experiment, run, resume: true)
            #expect("\(corruption.field) = \(corruption.value ?? "nil")") {
                try trainer.run()
            } throws: { error in
                "\(error)".hasPrefix("\(path): \(corruption.error)")
            }
        }

        // The intact checkpoint resumes to the end.
        try SafetensorsWriter(metadata: intact.metadata).withTensors(of: intact).write(to: path)
        let final = try Self.trainer(experiment, run, resume: true).run()
        #expect(final["epochs"] == .int(2))
    }
}

extension SafetensorsWriter {
    /// This writer with every tensor of `file` added unchanged.
    func withTensors(of file: SafetensorsFile) throws -> SafetensorsWriter {
        var writer = self
        for t in file.tensors { try writer.add(t.name, dtype: t.dtype, shape: t.shape, bytes: Array(t.bytes)) }
        return writer
    }
}
