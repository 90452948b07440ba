import CanopyRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// The directory one `canopy run` writes: created (with its missing parents) and locked
/// when opened, so a second run into it fails at once instead of mixing two runs' files.
/// The lock is `flock` on `.lock` inside it, holding the owner's pid, and lasts until
/// `unlock()`, deinit or the process's end (a killed run leaves no stale lock).
public final class RunDirectory {
    /// Every file a run writes into its directory.
    public static let files = [
        "spec.resolved.yaml", "plan.txt", "env.json", "metrics.jsonl", "timing.jsonl",
        "final.json", "checkpoint.safetensors",
    ]
    /// The files whose presence means the directory holds a run's results.
    public static let results = ["checkpoint.safetensors", "metrics.jsonl", "timing.jsonl", "final.json"]
    /// The lock file's name.
    public static let lockName = ".lock"

    public let path: String
    private var lock: Int32 = -1

    /// Creates `path` if needed and takes its lock without waiting; throws when the
    /// path cannot be a directory or another process holds the lock (naming its pid).
    public init(_ path: String) throws(RunDirectoryError) {
        self.path = path
        try Self.createDirectories(path)
        let lockPath = path + "/" + Self.lockName
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RunDirectoryError("cannot write in the run directory \(path): \(Self.systemMessage())") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = Self.systemMessage()
            let owner = (try? FileIO.contents(of: lockPath)).flatMap { Int(String(decoding: $0, as: UTF8.self).filter(\.isNumber)) }
            close(fd)
            guard busy else { throw RunDirectoryError("cannot lock the run directory \(path): \(reason)") }
            throw RunDirectoryError(
                "\(path) is in use by another canopy run" + (owner.map { " (pid \($0))" } ?? "")
                    + "; wait for it to end or choose another --out")
        }
        lock = fd
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { unlock() }

    /// Releases the lock.
    public func unlock() {
        guard lock >= 0 else { return }
        close(lock)
        lock = -1
    }

    /// For a run from scratch: refuses a directory that holds another run's results,
    /// unless `overwrite`, which first deletes every file a run writes (so nothing of the
    /// old run survives beside the new one). Other files are left alone.
    public func prepareFreshRun(overwrite: Bool) throws(RunDirectoryError) {
        let found = Self.results.filter { exists($0) }
        guard !found.isEmpty else { return }
        guard overwrite else {
            throw RunDirectoryError(
                "\(path) already holds a run (\(found.joined(separator: ", "))): continue it with --resume, "
                    + "or start over with --overwrite, which deletes its files")
        }
        for file in Self.files where exists(file) {
            guard unlink(path + "/" + file) == 0 else {
                throw RunDirectoryError("cannot delete \(path)/\(file) for --overwrite: \(Self.systemMessage())")
            }
        }
    }

    /// For `--resume` of a run with a checkpoint: refuses a thread count other than the
    /// one it was trained with (recorded in `env.json`), since results depend on it, and
    /// a spec other than its `spec.resolved.yaml`, before either file is rewritten.
    public func checkResume(threads: Int, resolvedSpec: String) throws(RunDirectoryError) {
        guard exists("checkpoint.safetensors") else { return }
        if let bytes = try? FileIO.contents(of: path + "/env.json"),
            case let .int(recorded)? = (try? JSON.parse(String(decoding: bytes, as: UTF8.self)))?["threads"], recorded != threads
        {
            throw RunDirectoryError(
                "\(path) was trained with \(recorded) thread\(recorded == 1 ? "" : "s") (env.json), this run has \(threads); "
                    + "results depend on the thread count: resume with --threads \(recorded)")
        }
        if let bytes = try? FileIO.contents(of: path + "/spec.resolved.yaml"), bytes != Array(resolvedSpec.utf8) {
            throw RunDirectoryError(
                "\(path) holds a run of another spec: its spec.resolved.yaml differs from this "
                    + "spec and its --set overrides; resume with those the run was started with")
        }
    }

    /// Removes the temporary files of writes killed midway (`FileIO.removeStaleTemporaryFiles`); returns their paths.
    public func removeStaleTemporaryFiles() -> [String] { FileIO.removeStaleTemporaryFiles(in: path) }

    private func exists(_ file: String) -> Bool {
        var info = stat()
        return lstat(path + "/" + file, &info) == 0
    }

    /// `mkdir -p` with messages that name the component in the way.
    private static func createDirectories(_ path: String) throws(RunDirectoryError) {
        guard !path.isEmpty else { throw RunDirectoryError("the run directory path is empty") }
        let components = path.split(separator: "/")
        var prefix = path.hasPrefix("/") ? "/" : ""
        for (i, component) in components.enumerated() {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            var info = stat()
            if stat(prefix, &info) == 0 {
                guard (info.st_mode & S_IFMT) == S_IFDIR else {
                    throw RunDirectoryError(
                        i == components.count - 1
                            ? "\(path) exists and is not a directory: give the run a directory"
                            : "cannot create the run directory \(path): \(prefix) is not a directory")
                }
                continue
            }
            guard errno == ENOENT, mkdir(prefix, 0o755) == 0 || errno == EEXIST else {
                throw RunDirectoryError("cannot create the run directory \(path): \(prefix): \(systemMessage())")
            }
        }
    }

    private static func systemMessage() -> String { String(cString: strerror(errno)) }
}

/// A run directory that cannot be used, with the path and the reason.
public struct RunDirectoryError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
