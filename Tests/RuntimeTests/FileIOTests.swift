import CanopyRuntime
import Foundation
import Testing

/// FileIO's write errors name the file, and stale temporary files of killed writes are removed.
@Suite struct FileIOTests {
    func temporaryDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "canopy-fileio-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A full disk (/dev/full answers every write with ENOSPC) names the file, not only "write: ...".
    @Test func fullDiskErrorNamesTheFile() throws {
        #expect {
            try FileIO.append(Array("{}\n".utf8), to: "/dev/full")
        } throws: { "\($0)" == "cannot write /dev/full: write: No space left on device" }
    }

    @Test func atomicWriteErrorNamesTheFile() throws {
        let dir = try temporaryDirectory()
        #expect {
            try FileIO.writeAtomically([[1, 2]], to: dir + "/missing/final.json")
        } throws: { "\($0)".hasPrefix("cannot write \(dir)/missing/final.json: ") }
    }

    @Test func appendAddsToTheEnd() throws {
        let dir = try temporaryDirectory()
        try FileIO.writeAtomically([Array("a\n".utf8)], to: dir + "/log")
        try FileIO.append(Array("b\n".utf8), to: dir + "/log")
        #expect(try FileIO.contents(of: dir + "/log") == Array("a\nb\n".utf8))
    }

    /// A kill during `writeAtomically` leaves `.<file>.tmp-<pid>-<n>`: removed once its process is gone.
    @Test func staleTemporaryFilesOfDeadProcessesAreRemoved() throws {
        let dir = try temporaryDirectory()
        let dead = 999_999_999  // beyond any pid_max
        let stale = [".checkpoint.safetensors.tmp-\(dead)-0", ".my-run.json.tmp-\(dead)-12"]
        let kept = [
            ".checkpoint.safetensors.tmp-\(getppid())-0", ".final.json.tmp-\(getpid())-1",  // live writers
            "notes.tmp-\(dead)-0", ".a.tmp-+\(dead)-0", ".a.tmp-\(dead)-", ".lock", "checkpoint.safetensors",
        ]
        for name in stale + kept { #expect(FileManager.default.createFile(atPath: dir + "/" + name, contents: Data([1]))) }
        #expect(Set(FileIO.removeStaleTemporaryFiles(in: dir)) == Set(stale.map { dir + "/" + $0 }))
        #expect(try Set(FileManager.default.contentsOfDirectory(atPath: dir)) == Set(kept))
    }
}
