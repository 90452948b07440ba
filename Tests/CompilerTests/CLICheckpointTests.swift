import CanopyRuntime
import Foundation
import Testing

/// `canopy eval` and `export` against checkpoints of other specs (other depth, other
/// branch count, other widths), an edited spec, and a checkpoint with a NaN weight:
/// each gives the named error, warning or metric. The checkpoints come from one-step
/// runs of tiny models on synthetic data.
@Suite(.serialized) struct CLICheckpointTests {
    /// A tiny spec: ResNet-`depth` with `branches` peers (from stage 2) on 8x8 synthetic images.
    static func spec(depth: Int = 8, branches: Int = 3, widths: String = "[4, 8, 8]", lr: String = "0.05") -> String {
        """
        schema: canopy/1
        seed: 4
        data: {dataset: synthetic, batch_size: 16, synthetic: {channels: 1, size: 8, classes: 3, train: 16, test: 24}}
        model:
          backbone: {name: resnet_cifar, depth: \(depth), widths: \(widths)}
          branches: {count: \(branches), from: stage2}
          ensemble: mean
        losses:
          - {name: ce, plugin: cross_entropy, foreach: branch, inputs: {logits: "branch[*].logits", target: target}}
        optimizer: {name: sgd, lr: \(lr), momentum: 0.9}
        train: {epochs: 1, threads: 1}
        """
    }

    /// A folder with spec files and their one-step runs' checkpoints.
    struct Fixture {
        var dir: String
        /// Spec path by name.
        var specs: [String: String] = [:]
        /// Checkpoint path by spec name.
        var checkpoints: [String: String] = [:]
    }

    static let variants = [
        "depth8": spec(), "depth20": spec(depth: 20), "branches4": spec(branches: 4),
        "wider": spec(widths: "[4, 8, 16]"), "edited": spec(lr: "0.1"),
    ]

    /// Writes every variant's spec and trains depth8, depth20 and branches4 for their one step.
    static let fixture: Result<Fixture, any Error> = Result {
        var f = Fixture(dir: temporaryDirectory())
        for (name, text) in variants {
            let path = "\(f.dir)/\(name).yaml"
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            f.specs[name] = path
        }
        for name in ["depth8", "depth20", "branches4"] {
            let run = try CLITests().canopy("run", f.specs[name]!, "--out", "\(f.dir)/\(name)", "--quiet")
            guard run.status == 0 else { throw CheckpointFixtureError(description: "run \(name): \(run.stderr)") }
            f.checkpoints[name] = "\(f.dir)/\(name)/checkpoint.safetensors"
        }
        return f
    }

    struct CheckpointFixtureError: Error, CustomStringConvertible { var description: String }

    @Test func deeperCheckpointIsRefusedByEvalAndExport() throws {
        let f = try Self.fixture.get()
        let checkpoint = f.checkpoints["depth20"]!
        let eval = try CLITests().canopy("eval", f.specs["depth8"]!, checkpoint)
        #expect(eval.status == 1)
        #expect(eval.stdout.isEmpty)
        #expect(
            eval.stderr.hasPrefix("error: \(checkpoint) does not fit this spec's model (it was written by a spec with hash "),
            "\(eval.stderr)")
        #expect(eval.stderr.contains("180 tensors the model does not have: branch.0.layer3.1.bn1.bias, "), "\(eval.stderr)")
        #expect(eval.stderr.contains("(--allow-extra ignores them)"))
        #expect(!eval.stderr.contains("num_batches_tracked") && !eval.stderr.contains("optimizer."), "\(eval.stderr)")

        let output = f.dir + "/deep-export.safetensors"
        let export = try CLITests().canopy("export", f.specs["depth8"]!, checkpoint, "-o", output)
        #expect(export.status == 1)
        #expect(export.stderr.hasPrefix("error: \(checkpoint) does not fit this spec's model"), "\(export.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }

    @Test func shallowerCheckpointListsTheMissingTensors() throws {
        let f = try Self.fixture.get()
        let eval = try CLITests().canopy("eval", f.specs["depth20"]!, f.checkpoints["depth8"]!)
        #expect(eval.status == 1)
        #expect(eval.stderr.contains("tensors missing: layer1.1.conv1.weight, "), "\(eval.stderr)")
        #expect(eval.stderr.contains(" more"), "\(eval.stderr)")
    }

    @Test func fourBranchCheckpointOnThreeBranchSpecIsRefused() throws {
        let f = try Self.fixture.get()
        let checkpoint = f.checkpoints["branches4"]!
        let eval = try CLITests().canopy("eval", f.specs["depth8"]!, checkpoint)
        #expect(eval.status == 1)
        #expect(eval.stderr.hasPrefix("error: \(checkpoint) does not fit this spec's model"), "\(eval.stderr)")
        #expect(eval.stderr.contains("tensors the model does not have: branch.3."), "\(eval.stderr)")
        // And the other way round: branch 3 is missing.
        let back = try CLITests().canopy("eval", f.specs["branches4"]!, f.checkpoints["depth8"]!)
        #expect(back.status == 1)
        #expect(back.stderr.contains("tensors missing: branch.3."), "\(back.stderr)")
    }

    @Test func otherWidthsNameTheShapes() throws {
        let f = try Self.fixture.get()
        let eval = try CLITests().canopy("eval", f.specs["wider"]!, f.checkpoints["depth8"]!)
        #expect(eval.status == 1)
        #expect(eval.stderr.contains("with another shape: "), "\(eval.stderr)")
        #expect(eval.stderr.contains("in the file, the model needs [16, "), "\(eval.stderr)")
    }

    @Test func allowExtraAcceptsTheCheckpointAndWarnsOfTheHash() throws {
        let f = try Self.fixture.get()
        let checkpoint = f.checkpoints["branches4"]!
        let eval = try CLITests().canopy("eval", f.specs["depth8"]!, checkpoint, "--allow-extra")
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(eval.stderr.hasPrefix("warning: \(checkpoint) was written by a spec with hash "), "\(eval.stderr)")
        #expect(try JSON.parse(eval.stdout)["test.branch[2].top1"] != nil)
        let output = f.dir + "/allowed.safetensors"
        let export = try CLITests().canopy("export", f.specs["depth8"]!, checkpoint, "-o", output, "--allow-extra")
        #expect(export.status == 0, "\(export.stderr)")
        #expect(FileManager.default.fileExists(atPath: output))
    }

    @Test func editedSpecWarnsAndTheOwnSpecIsSilent() throws {
        let f = try Self.fixture.get()
        let checkpoint = f.checkpoints["depth8"]!
        let own = try CLITests().canopy("eval", f.specs["depth8"]!, checkpoint)
        #expect(own.status == 0, "\(own.stderr)")
        #expect(own.stderr.isEmpty, "\(own.stderr)")
        let edited = try CLITests().canopy("eval", f.specs["edited"]!, checkpoint)
        #expect(edited.status == 0, "\(edited.stderr)")
        #expect(edited.stderr.hasPrefix("warning: \(checkpoint) was written by a spec with hash "), "\(edited.stderr)")
        #expect(edited.stderr.contains("its tensors fit this model"))
        #expect(edited.stdout == own.stdout)
    }

    @Test func nanWeightEvaluatesToZeroWithEverySampleNonFinite() throws {
        let f = try Self.fixture.get()
        let file = try SafetensorsFile(contentsOf: f.checkpoints["depth8"]!)
        var writer = SafetensorsWriter(metadata: file.metadata)
        for t in file.tensors {
            if t.name == "conv1.weight" {
                var values = t.floats()
                values[0] = .nan
                try writer.add(t.name, floats: values, shape: t.shape)
            } else {
                try writer.add(t.name, dtype: t.dtype, shape: t.shape, bytes: Array(t.bytes))
            }
        }
        let poisoned = f.dir + "/nan.safetensors"
        try writer.write(to: poisoned)
        let eval = try CLITests().canopy("eval", f.specs["depth8"]!, poisoned)
        #expect(eval.status == 0, "\(eval.stderr)")
        let results = try JSON.parse(eval.stdout)
        for head in ["branch[0]", "branch[1]", "branch[2]", "ensemble", "deploy"] {
            #expect(results["test.\(head).top1"] == .double(0), "\(head): \(eval.stdout)")
            #expect(results["test.\(head).nonfinite"] == .double(24), "\(head): \(eval.stdout)")
        }
        #expect(results["test.diversity.disagreement"] == .double(1), "\(eval.stdout)")
    }

    /// `export -o` onto its own input, by the same path, a symbolic link, a hard link or
    /// a linked directory: refused, the checkpoint unchanged.
    @Test func exportOntoItsInputIsRefused() throws {
        let f = try Self.fixture.get()
        let run = f.dir + "/depth8", checkpoint = run + "/checkpoint.safetensors"
        let before = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        let manager = FileManager.default
        try manager.createSymbolicLink(atPath: f.dir + "/symlink.safetensors", withDestinationPath: checkpoint)
        try manager.linkItem(atPath: checkpoint, toPath: f.dir + "/hardlink.safetensors")
        try manager.createSymbolicLink(atPath: f.dir + "/linked-run", withDestinationPath: run)
        for output in [
            checkpoint, f.dir + "/symlink.safetensors", f.dir + "/hardlink.safetensors",
            f.dir + "/linked-run/checkpoint.safetensors", run + "/../depth8/./checkpoint.safetensors",
        ] {
            let export = try CLITests().canopy("export", f.specs["depth8"]!, checkpoint, "-o", output)
            #expect(export.status == 1, "\(output)")
            #expect(
                export.stderr == "error: \(output) is the input checkpoint \(checkpoint); exporting onto it would destroy "
                    + "the run's checkpoint: write the deployed model to another file\n", "\(export.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: checkpoint)) == before)
        }
        // Another file in the run directory is fine.
        let export = try CLITests().canopy("export", f.specs["depth8"]!, checkpoint, "-o", run + "/deployed.safetensors")
        #expect(export.status == 0, "\(export.stderr)")
    }
}
