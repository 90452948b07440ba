import CanopyTraining
import Foundation
import Testing

/// The run directory's lock, its refusal to mix two runs, `--overwrite`, the resume
/// checks and the messages for paths that cannot be a run directory.
@Suite struct RunDirectoryTests {
    func temporaryPath() -> String { NSTemporaryDirectory() + "canopy-rundir-\(UUID().uuidString)" }

    func create(_ path: String, _ text: String = "x") {
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)), "cannot create \(path)")
    }

    /// Two runs into one directory: the second fails at once, naming the directory and the first's pid.
    @Test func secondRunFailsWhileTheFirstHoldsTheLock() throws {
        let path = temporaryPath() + "/runs/a"
        let first = try RunDirectory(path)
        #expect {
            _ = try RunDirectory(path)
        } throws: { "\($0)" == "\(path) is in use by another canopy run (pid \(getpid())); wait for it to end or choose another --out" }
        first.unlock()
        _ = try RunDirectory(path)
    }

    @Test func freshRunRefusesADirectoryHoldingAnotherRun() throws {
        let path = temporaryPath()
        let directory = try RunDirectory(path)
        try directory.prepareFreshRun(overwrite: false)  // empty: fine
        create(path + "/spec.resolved.yaml")
        try directory.prepareFreshRun(overwrite: false)  // a start that failed before training: fine
        create(path + "/metrics.jsonl")
        create(path + "/final.json")
        #expect {
            try directory.prepareFreshRun(overwrite: false)
        } throws: {
            "\($0)" == "\(path) already holds a run (metrics.jsonl, final.json): continue it with --resume, "
                + "or start over with --overwrite, which deletes its files"
        }
        #expect(FileManager.default.fileExists(atPath: path + "/final.json"))
    }

    /// `--overwrite` deletes every file of the earlier run (no stale final.json beside a new checkpoint) and nothing else.
    @Test func overwriteDeletesTheEarlierRunsFiles() throws {
        let path = temporaryPath()
        let directory = try RunDirectory(path)
        for file in RunDirectory.files { create(path + "/" + file) }
        create(path + "/notes.txt")
        try directory.prepareFreshRun(overwrite: true)
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: path)) == [".lock", "notes.txt"])
    }

    @Test func resumeWithAnotherThreadCountOrSpecIsRefused() throws {
        let path = temporaryPath()
        let directory = try RunDirectory(path)
        create(path + "/env.json", #"{"canopy":"0","threads":2}"#)
        create(path + "/spec.resolved.yaml", "seed: 1\n")
        try directory.checkResume(threads: 1, resolvedSpec: "seed: 2\n")  // no checkpoint: nothing to check against
        create(path + "/checkpoint.safetensors")
        try directory.checkResume(threads: 2, resolvedSpec: "seed: 1\n")
        #expect {
            try directory.checkResume(threads: 1, resolvedSpec: "seed: 1\n")
        } throws: {
            "\($0)" == "\(path) was trained with 2 threads (env.json), this run has 1; "
                + "results depend on the thread count: resume with --threads 2"
        }
        #expect {
            try directory.checkResume(threads: 2, resolvedSpec: "seed: 2\n")
        } throws: { "\($0)".hasPrefix("\(path) holds a run of another spec: its spec.resolved.yaml differs") }
    }

    /// Paths that cannot be a run directory get messages naming them, not Foundation's error codes.
    @Test func unusablePathsAreNamed() throws {
        let base = temporaryPath()
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        create(base + "/file")
        #expect {
            _ = try RunDirectory(base + "/file")
        } throws: { "\($0)" == "\(base)/file exists and is not a directory: give the run a directory" }
        #expect {
            _ = try RunDirectory(base + "/file/run/x")
        } throws: { "\($0)" == "cannot create the run directory \(base)/file/run/x: \(base)/file is not a directory" }
        #expect {
            _ = try RunDirectory("")
        } throws: { "\($0)" == "the run directory path is empty" }
    }
}
