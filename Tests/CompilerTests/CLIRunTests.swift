import CanopyRuntime
import CanopySpecs
import Foundation
import Testing

/// `canopy run`, `eval` and `export` end to end through the executable, on a small
/// synthetic task, including a SIGKILL in the middle of an epoch and `--resume`.
@Suite(.serialized) struct CLIRunTests {
    static let spec = """
        schema: canopy/1
        seed: 5
        data: {dataset: synthetic, batch_size: 32, synthetic: {channels: 1, size: 12, classes: 4, train: 1024, test: 128}}
        model:
          backbone: {name: resnet_cifar, depth: 8, widths: [4, 8, 8]}
          branches: {count: 2, from: stage2}
          ensemble: mean
        losses:
          - {name: ce, plugin: cross_entropy, foreach: branch, inputs: {logits: "branch[*].logits", target: target}}
          - {name: kd, plugin: kd_kl, foreach: branch, params: {temperature: 3}, detach: [teacher],
             inputs: {student: "branch[*].logits", teacher: ensemble.logits}}
        optimizer: {name: sgd, lr: 0.05, momentum: 0.9}
        train: {epochs: 4, threads: 1}
        """

    /// The spec in a new directory; `quick`: one epoch of one step (a run takes seconds).
    func writeSpec(quick: Bool = false) throws -> (dir: String, spec: String) {
        let dir = NSTemporaryDirectory() + "canopy-cli-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let text = quick ? Self.spec.replacingOccurrences(of: "train: {epochs: 4,", with: "train: {epochs: 1, steps_per_epoch: 1,") : Self.spec
        try text.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
        return (dir, dir + "/tiny.yaml")
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    @Test func runEvalExport() throws {
        let (dir, spec) = try writeSpec()
        let run = try CLITests().canopy("run", spec, "--out", dir + "/run", "--quiet")
        #expect(run.status == 0, "\(run.stderr)")
        for file in ["spec.resolved.yaml", "plan.txt", "env.json", "metrics.jsonl", "timing.jsonl", "final.json", "checkpoint.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/run/" + file), "\(file) missing")
        }
        let final = try JSON.parse(read(dir + "/run/final.json"))
        guard case let .double(accuracy)? = final["last"]?["test.deploy.top1"] else {
            Issue.record("final.json has no last.test.deploy.top1")
            return
        }
        #expect(accuracy > 0.5, "chance is 0.25")
        // The resolved spec is itself a valid spec.
        #expect(try CLITests().canopy("check", dir + "/run/spec.resolved.yaml").status == 0)

        let eval = try CLITests().canopy("eval", spec, dir + "/run/checkpoint.safetensors")
        #expect(eval.status == 0, "\(eval.stderr)")
        #expect(try JSON.parse(eval.stdout)["test.deploy.top1"] == .double(accuracy))

        let export = try CLITests().canopy("export", spec, dir + "/run/checkpoint.safetensors", "-o", dir + "/deployed.safetensors")
        #expect(export.status == 0, "\(export.stderr)")
        let file = try SafetensorsFile(contentsOf: dir + "/deployed.safetensors")
        #expect(file.names.contains("layer3.0.conv1.weight") && file.names.contains("fc.weight"))
        #expect(!file.names.contains { $0.hasPrefix("branch.") })
        #expect(file.names.contains("bn1.num_batches_tracked"))
        let parameters = file.tensors.filter { $0.dtype == .float32 && !$0.name.contains("running_") }.reduce(0) { $0 + $1.count }
        let plain = try CLITests().canopy(
            "plan", spec, "--set", "model.branches=null", "--set", "model.ensemble=null",
            "--set", "losses=[{name: ce, plugin: cross_entropy, inputs: {logits: trunk.logits, target: target}}]")
        #expect(plain.stdout.contains("params            \(parameters) "), "\(plain.stdout) \(plain.stderr)")
    }

    @Test func sigkillMidEpochThenResumeMatchesUninterrupted() throws {
        let (dir, spec) = try writeSpec()
        let whole = try CLITests().canopy("run", spec, "--out", dir + "/whole", "--quiet")
        #expect(whole.status == 0, "\(whole.stderr)")

        let executable = try #require(CLITests.executable)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run", spec, "--out", dir + "/cut", "--quiet"]
        try process.run()
        // Wait for the first epoch's checkpoint, then a little into the next epoch, and kill.
        let checkpoint = dir + "/cut/checkpoint.safetensors"
        var waited = 0
        while !FileManager.default.fileExists(atPath: checkpoint) && waited < 600 && process.isRunning {
            usleep(50_000)
            waited += 1
        }
        usleep(150_000)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: checkpoint))

        let resumed = try CLITests().canopy("run", spec, "--out", dir + "/cut", "--resume", "--quiet")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try read(dir + "/cut/metrics.jsonl") == read(dir + "/whole/metrics.jsonl"))
        #expect(try read(dir + "/cut/final.json") == read(dir + "/whole/final.json"))
    }

    /// A second run into a directory another run holds fails at once, naming both (issue 10, defect 4).
    @Test func runIntoALockedDirectoryFailsAtOnce() throws {
        let (dir, spec) = try writeSpec(quick: true)
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        let lock = open(dir + "/run/.lock", O_RDWR | O_CREAT, 0o644)
        #expect(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
        _ = "\(getpid())\n".withCString { write(lock, $0, strlen($0)) }
        let second = try CLITests().canopy("run", spec, "--out", dir + "/run", "--quiet")
        #expect(second.status == 1)
        #expect(
            second.stderr == "error: \(dir)/run is in use by another canopy run (pid \(getpid())); "
                + "wait for it to end or choose another --out\n")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run/metrics.jsonl"))
        close(lock)
        #expect(try CLITests().canopy("run", spec, "--out", dir + "/run", "--quiet").status == 0)
    }

    /// A rerun into a finished run is refused; --resume says it is complete, --overwrite starts over.
    @Test func rerunIntoAFinishedRunNeedsResumeOrOverwrite() throws {
        let (dir, spec) = try writeSpec(quick: true)
        let stale = dir + "/run/.checkpoint.safetensors.tmp-999999999-0"  // a write killed midway
        try FileManager.default.createDirectory(atPath: dir + "/run", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: stale, contents: Data([1])))
        let first = try CLITests().canopy("run", spec, "--out", dir + "/run")
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("removed \(stale), left by a write that was killed"))
        #expect(!FileManager.default.fileExists(atPath: stale))
        let final = try read(dir + "/run/final.json")

        let again = try CLITests().canopy("run", spec, "--out", dir + "/run", "--quiet")
        #expect(again.status == 1)
        #expect(
            again.stderr == "error: \(dir)/run already holds a run (checkpoint.safetensors, metrics.jsonl, timing.jsonl, "
                + "final.json): continue it with --resume, or start over with --overwrite, which deletes its files\n")
        #expect(try read(dir + "/run/final.json") == final)

        let resumed = try CLITests().canopy("run", spec, "--out", dir + "/run", "--resume")
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("\(dir)/run is complete (epoch 1 of 1 done): nothing to resume"))
        #expect(!resumed.stderr.contains("resuming at"))

        let both = try CLITests().canopy("run", spec, "--out", dir + "/run", "--resume", "--overwrite")
        #expect(both.status == 64)
        let overwritten = try CLITests().canopy("run", spec, "--out", dir + "/run", "--overwrite", "--quiet")
        #expect(overwritten.status == 0, "\(overwritten.stderr)")
        #expect(try read(dir + "/run/final.json") == final)
    }

    /// --threads is range-checked, recorded in spec.resolved.yaml and env.json, and a
    /// resume with another count is refused (issue 10, defect 8).
    @Test func threadsAreCheckedRecordedAndKeptOnResume() throws {
        let (dir, spec) = try writeSpec(quick: true)
        for bad in ["0", "1000"] {
            let r = try CLITests().canopy("run", spec, "--out", dir + "/bad", "--threads", bad)
            #expect(r.status == 64)
            #expect(r.stderr.contains("--threads must be between 1 and 256, found \(bad)"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
        }
        let run = try CLITests().canopy("run", spec, "--out", dir + "/run", "--threads", "2", "--quiet")
        #expect(run.status == 0, "\(run.stderr)")
        let recorded = SpecFrontEnd.load(dir + "/run/spec.resolved.yaml", overrides: [], diagnostics: DiagnosticEngine())
        #expect(recorded?["train"]?["threads"]?.int == 2)
        #expect(try JSON.parse(read(dir + "/run/env.json"))["threads"] == .int(2))
        let resolved = try read(dir + "/run/spec.resolved.yaml")

        let other = try CLITests().canopy("run", spec, "--out", dir + "/run", "--resume", "--threads", "1", "--quiet")
        #expect(other.status == 1)
        #expect(
            other.stderr == "error: \(dir)/run was trained with 2 threads (env.json), this run has 1; "
                + "results depend on the thread count: resume with --threads 2\n")
        #expect(try read(dir + "/run/spec.resolved.yaml") == resolved)
        let same = try CLITests().canopy("run", spec, "--out", dir + "/run", "--resume", "--threads", "2", "--quiet")
        #expect(same.status == 0, "\(same.stderr)")
    }

    /// --out that cannot be a directory: a clear message naming the path, not NSCocoaErrorDomain.
    @Test func unusableOutIsNamed() throws {
        let (dir, spec) = try writeSpec(quick: true)
        #expect(FileManager.default.createFile(atPath: dir + "/file", contents: nil))
        let onFile = try CLITests().canopy("run", spec, "--out", dir + "/file", "--quiet")
        #expect(onFile.status == 1)
        #expect(onFile.stderr == "error: \(dir)/file exists and is not a directory: give the run a directory\n")
        let underFile = try CLITests().canopy("run", spec, "--out", dir + "/file/run", "--quiet")
        #expect(underFile.status == 1)
        #expect(underFile.stderr == "error: cannot create the run directory \(dir)/file/run: \(dir)/file is not a directory\n")
    }

    /// A data set that cannot be read fails the run before its directory exists.
    @Test func unreadableDataLeavesNoRunDirectory() throws {
        let (dir, _) = try writeSpec(quick: true)
        let text = Self.spec.replacingOccurrences(of: "{dataset: synthetic,", with: "{dataset: fashion_mnist, path: \(dir)/none,")
            .replacingOccurrences(of: " synthetic: {channels: 1, size: 12, classes: 4, train: 1024, test: 128}", with: "")
        try text.write(toFile: dir + "/missing.yaml", atomically: true, encoding: .utf8)
        let run = try CLITests().canopy("run", dir + "/missing.yaml", "--out", dir + "/run", "--quiet")
        #expect(run.status == 1)
        #expect(run.stderr.hasPrefix("error: \(dir)/none: no such directory"), "\(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run"))
    }
}
