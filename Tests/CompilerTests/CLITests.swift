import CanopyRuntime
import CanopyTestSupport
import Foundation
import Testing

/// Runs the built `canopy` executable (built beside the test bundle by `swift build`)
/// and checks its exit status, standard output and standard error.
@Suite struct CLITests {
    /// The executable: beside this test process, or in the package's debug build folder.
    static let executable: String? = {
        let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let candidates = [
            beside.appendingPathComponent("canopy").path,
            GoldenFiles.packageRoot.appendingPathComponent(".build/debug/canopy").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let peersSpec = specsFolder.appendingPathComponent("cifar100/resnet32-peers3.yaml").path

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `canopy arguments...`; output goes through files, so large dumps cannot fill a pipe.
    func canopy(_ arguments: String...) throws -> Result {
        let executable = try #require(Self.executable, "canopy is not built: run swift build first")
        let directory = temporaryDirectory()
        let outPath = "\(directory)/stdout", errPath = "\(directory)/stderr"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(
            status: process.terminationStatus,
            stdout: try String(contentsOfFile: outPath, encoding: .utf8),
            stderr: try String(contentsOfFile: errPath, encoding: .utf8))
    }

    @Test func helpListsTheCommands() throws {
        let r = try canopy("--help")
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE: canopy <subcommand>"))
        for command in ["check", "plan", "plugins", "bench"] {
            #expect(r.stdout.contains("\n  \(command) "), "--help does not list \(command)")
        }
    }

    @Test func version() throws {
        let r = try canopy("--version")
        #expect(r.status == 0)
        #expect(r.stdout == CanopyVersion.string + "\n")
    }

    @Test func pluginsListsEveryKindWithParams() throws {
        let r = try canopy("plugins")
        #expect(r.status == 0 && r.stderr.isEmpty)
        for header in ["kernels:", "backbones:", "losses:", "metrics:", "optimizers:", "schedules:"] {
            #expect(r.stdout.contains("\n" + header + "\n") || r.stdout.hasPrefix(header + "\n"), "no \(header)")
        }
        for name in ["resnet_cifar", "cross_entropy", "kd_kl", "top_k", "sgd", "adamw", "conv2d"] {
            #expect(r.stdout.contains("\n  \(name) - "), "plugins does not list \(name)")
        }
        for line in [
            "      depth: int (required)", "      widths: [int, int, int], each 1...4096 = [16, 32, 64]",
            "      temperature: number > 0 = 1", "      inputs: student, teacher", "      k: int or [int], each >= 1 = [1]",
            "      lr: ", "      momentum: ", "      stride: ",
        ] {
            #expect(r.stdout.contains("\n" + line), "plugins does not print '\(line)'")
        }
        let losses = try canopy("plugins", "--kind", "loss")
        #expect(losses.stdout.hasPrefix("losses:\n  "))
        #expect(losses.stdout.contains("  kd_kl - ") && !losses.stdout.contains("  conv2d - "))
    }

    @Test func checkGoodSpecIsSilent() throws {
        let r = try canopy("check", Self.peersSpec, "--set", "data.batch_size=8")
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty && r.stderr.isEmpty)
    }

    @Test func checkBadSpecPrintsDiagnosticsOnStderr() throws {
        let directory = temporaryDirectory()
        write(
            DiagnosticsTests.spec(replacing: "lr: 0.1}", with: "lr: 0.1, momentun: 0.9}")
                .replacingOccurrences(of: "trunk.logits", with: "trunk.logit"), to: "\(directory)/bad.yaml")
        let r = try canopy("check", "\(directory)/bad.yaml")
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        #expect(
            r.stderr == """
                \(directory)/bad.yaml:8:22: error: unknown value 'trunk.logit' (did you mean 'trunk.logits'?)
                    8 |     inputs: {logits: trunk.logit, target: target}
                      |                      ^~~~~~~~~~~
                \(directory)/bad.yaml:9:33: error: unknown key 'momentun' (did you mean 'momentum'?)
                    9 | optimizer: {name: sgd, lr: 0.1, momentun: 0.9}
                      |                                 ^~~~~~~~
                2 errors generated.

                """)
    }

    @Test func checkReportsMissingFilesAndOverrideErrors() throws {
        let missing = try canopy("check", "/nonexistent/spec.yaml")
        #expect(missing.status == 1 && missing.stderr == "/nonexistent/spec.yaml: error: no such file\n1 error generated.\n")
        let r = try canopy("check", Self.peersSpec, "--set", "data.batch_size=0")
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("<command line>:1:17: error: 'batch_size' must be between 1 and 65536, found 0\n"))
    }

    @Test func planPrintsTheTotals() throws {
        let r = try canopy("plan", Self.peersSpec, "--set", "data.batch_size=8")
        #expect(r.status == 0 && r.stderr.isEmpty)
        #expect(r.stdout.hasPrefix("op "))
        #expect(r.stdout.contains("\nconv1 "))
        #expect(r.stdout.contains("\nbranch.2.fc "))
        #expect(r.stdout.contains("\nparameters        1.19M (1193084), trainable 1193084\n"))
        #expect(r.stdout.contains("\nparams            1193084               472756\n"))
        #expect(r.stdout.contains("\nMACs/image fwd    114.23M               69.13M\n"))
        #expect(r.stdout.contains("\nMACs/image train  "))
        #expect(r.stdout.contains("\narena bytes       "))
        #expect(r.stdout.contains(" at batch 8\n"))
    }

    @Test func planDumps() throws {
        let graph = try canopy("plan", Self.peersSpec, "--set", "data.batch_size=2", "--dump", "graph")
        #expect(graph.status == 0)
        #expect(graph.stdout.hasPrefix("values:\n  %0 input [2x3x32x32] input\n  %1 target [2] I32 input\n"))
        #expect(graph.stdout.contains("\nnodes:\n  conv1 = conv2d(input, conv1.weight) -> [2x16x32x32]\n"))
        #expect(graph.stdout.contains("\n  loss.kd[0].teacher.detached = identity(detach ensemble.logits) -> [2x100]\n"))
        #expect(graph.stdout.contains("\n  loss.kd[0] = kd_kl(branch.0.fc, loss.kd[0].teacher.detached) -> [1]\n"))
        #expect(graph.stdout.contains("\nlosses:\n  ce[0] = loss.ce[0], weight constant(1.0), slot 0\n"))
        #expect(graph.stdout.contains("\nnamed values:\n"))
        #expect(graph.stdout.contains("\n  deploy.logits -> branch.0.fc [2x100]\n"))

        let memory = try canopy("plan", Self.peersSpec, "--set", "data.batch_size=2", "--dump", "memory")
        #expect(memory.status == 0)
        #expect(memory.stdout.hasPrefix("persistent: parameters 4"))
        for arena in ["\ntrain arena: ", "\neval arena: ", "\ndeploy arena: "] { #expect(memory.stdout.contains(arena)) }

        let schedule = try canopy("plan", Self.peersSpec, "--set", "data.batch_size=2", "--dump", "schedule")
        #expect(schedule.status == 0)
        #expect(schedule.stdout.hasPrefix("0 forward  conv1 [conv2d: im2col]\n"))
        // 64 channels, stride 1: Winograd (the stem's 3 input channels stay on im2col).
        #expect(schedule.stdout.contains(" forward  branch.0.layer3.0.conv2 [conv2d: winograd]\n"))
        #expect(schedule.stdout.contains(" zero     all parameter gradients\n"))
        #expect(schedule.stdout.contains(" zero     grad loss.ce[0]\n"))
        #expect(schedule.stdout.contains(" seed     grad loss.ce[0] = weight slot 0\n"))
        #expect(schedule.stdout.contains(" backward conv1 [conv2d: im2col] -> d(conv1.weight)\n"))

        let autodiff = try canopy("plan", Self.peersSpec, "--set", "data.batch_size=2", "--dump", "autodiff")
        #expect(autodiff.status == 0)
        let lines = autodiff.stdout.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.contains(" backward ") })
        // The detached teacher gets no gradient from kd: no backward step of the detach copy.
        #expect(!autodiff.stdout.contains("teacher.detached [identity]"))

        let parse = try canopy("plan", Self.peersSpec, "--set", "data.batch_size=2", "--dump", "parse")
        #expect(parse.status == 0)
        #expect(parse.stdout.hasPrefix("{schema: \"canopy/1\", description: "))
        #expect(parse.stdout.contains("batch_size: 2,"))

        let bogus = try canopy("plan", Self.peersSpec, "--dump", "bogus")
        #expect(bogus.status == 64)
        #expect(["parse", "method", "graph", "autodiff", "memory", "schedule"].allSatisfy { bogus.stderr.contains("- \($0)") })
    }

    @Test func planOfABadSpecFails() throws {
        let r = try canopy("plan", Self.peersSpec, "--set", "model.backbone.depth=33")
        #expect(r.status == 1 && r.stdout.isEmpty)
        #expect(
            r.stderr == """
                <command line>:1:22: error: depth 33 is not 6n+2 for basic blocks
                    1 | model.backbone.depth=33
                      |                      ^~
                1 error generated.

                """)
    }
}
