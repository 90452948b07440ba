import Foundation
import Testing

/// Runs the package's `my-canopy` executable (the canopy CLI plus `sym_kl`): the loss
/// is listed, the example spec compiles, and a bad param points at its spec line.
@Suite struct MyCanopyTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let spec = packageRoot.appendingPathComponent("specs/peers2-symkl.yaml").path

    /// The executable, beside this test process or in the package's debug build folder.
    static let executable: String? = {
        let beside = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return [beside.appendingPathComponent("my-canopy").path, packageRoot.appendingPathComponent(".build/debug/my-canopy").path]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Runs `my-canopy arguments...`; returns the exit status, standard output and error.
    func myCanopy(_ arguments: String...) throws -> (status: Int32, stdout: String, stderr: String) {
        let executable = try #require(Self.executable, "my-canopy is not built")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    @Test func pluginsListsTheLossWithItsParams() throws {
        let r = try myCanopy("plugins", "--kind", "loss")
        #expect(r.status == 0)
        #expect(r.stdout.contains("\n  sym_kl - T^2 * batch-mean"))
        #expect(r.stdout.contains("\n      temperature: number > 0 = 1  softmax temperature T"))
        #expect(r.stdout.contains("\n  kd_kl - "), "the built-ins are still there")
    }

    @Test func theExampleSpecCompiles() throws {
        let r = try myCanopy("check", Self.spec, "--set", "data.batch_size=4")
        #expect(r.status == 0 && r.stderr.isEmpty, "\(r.stderr)")
        let graph = try myCanopy("plan", Self.spec, "--set", "data.batch_size=4", "--dump", "graph")
        #expect(graph.stdout.contains("\n  loss.mutual = scale(loss.mutual.mean) -> [1]\n"))
    }

    @Test func problemsPointAtTheSpec() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("my-canopy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try String(contentsOfFile: Self.spec, encoding: .utf8)
        func check(replacing old: String, with new: String) throws -> (status: Int32, stdout: String, stderr: String) {
            let path = directory.appendingPathComponent("bad.yaml").path
            try original.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: true, encoding: .utf8)
            return try myCanopy("check", path)
        }
        let typo = try check(replacing: "{temperature: 3}", with: "{temprature: 3}")
        #expect(typo.status == 1)
        #expect(
            typo.stderr.hasSuffix(
                """
                bad.yaml:23:14: error: unknown key 'temprature' (did you mean 'temperature'?)
                   23 |     params: {temprature: 3}
                      |              ^~~~~~~~~~
                1 error generated.

                """), "\(typo.stderr)")
        let shapes = try check(replacing: "teacher: \"branch[1].logits\"", with: "teacher: \"branch[1].feature\"")
        #expect(shapes.status == 1)
        #expect(
            shapes.stderr.hasSuffix(
                """
                bad.yaml:21:5: error: loss.mutual: a - b needs values of one shape, found [128x10] and [128x64]
                   21 |   - name: mutual
                      |     ^
                1 error generated.

                """), "\(shapes.stderr)")
        let override = try myCanopy("check", Self.spec, "--set", "losses.1.params.temperature=0")
        #expect(override.status == 1)
        #expect(override.stderr.hasPrefix("<command line>:1:29: error: must be greater than 0, found 0.0\n"), "\(override.stderr)")
    }
}
