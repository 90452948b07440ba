import CanopyRuntime
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

    func writeSpec() throws -> (dir: String, spec: String) {
        let dir = NSTemporaryDirectory() + "canopy-cli-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Self.spec.write(toFile: dir + "/tiny.yaml", atomically: true, encoding: .utf8)
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
        let plain = try CLITests().canopy("plan", spec, "--set", "model.branches=null", "--set", "model.ensemble=null",
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
}
