#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whole-file reads and crash-safe writes on POSIX calls, with the system's error
/// messages. Used for checkpoints and run records.
public enum FileIO {
    /// Why a file operation failed.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case notFound
        case system(String)

        public var description: String {
            switch self {
            case .notFound: return "no such file"
            case let .system(m): return m
            }
        }
    }

    /// The whole contents of the file at `path`.
    public static func contents(of path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw .notFound }
            throw systemFailure("open")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw systemFailure("stat") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .system("not a regular file") }
        let size = Int(info.st_size)
        var failure: Failure?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let n = read(fd, buffer.baseAddress! + done, size - done)
                if n < 0, errno == EINTR { continue }
                if n < 0 {
                    failure = systemFailure("read")
                    break
                }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes `parts`, concatenated, to `path` atomically: into a new temporary file in
    /// the same directory (`temporaryPath`), flushed to disk with fsync, then renamed over
    /// `path` (and the directory synced), so a crash leaves either the old file or the
    /// complete new one. On failure the temporary file is removed, `path` is untouched and
    /// the error names `path`. A process killed mid-write leaves its temporary file;
    /// `removeStaleTemporaryFiles(in:)` clears those.
    public static func writeAtomically(_ parts: [[UInt8]], to path: String) throws(Failure) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var fd: Int32 = -1
        var temporary = ""
        for attempt in 0..<100 {
            temporary = temporaryPath(directory: directory, base: base, pid: getpid(), attempt: attempt)
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw writeFailure(path, "create a temporary file in \(directory)") }
        do throws(Failure) {
            for part in parts {
                if let failure = part.withUnsafeBytes({ writeAll(fd, $0, path: path) }) { throw failure }
            }
            guard fsync(fd) == 0 else { throw writeFailure(path, "fsync") }
            let closed = close(fd)
            fd = -1
            guard closed == 0 else { throw writeFailure(path, "close") }
            guard rename(temporary, path) == 0 else { throw writeFailure(path, "rename") }
        } catch {
            if fd >= 0 { close(fd) }
            unlink(temporary)
            throw error
        }
        // Make the rename itself durable; not every file system can sync a directory.
        let dirfd = open(directory, O_RDONLY | O_CLOEXEC)
        if dirfd >= 0 {
            fsync(dirfd)
            close(dirfd)
        }
    }

    /// Appends `bytes` to the existing file at `path` (opened with O_APPEND, so each call
    /// lands whole at the end); the error names `path`.
    public static func append(_ bytes: [UInt8], to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw writeFailure(path, "open") }
        if let failure = bytes.withUnsafeBytes({ writeAll(fd, $0, path: path) }) {
            close(fd)
            throw failure
        }
        guard close(fd) == 0 else { throw writeFailure(path, "close") }
    }

    /// The temporary file `writeAtomically` writes `directory/base` through:
    /// `directory/.<base>.tmp-<pid>-<attempt>`.
    static func temporaryPath(directory: String, base: String, pid: pid_t, attempt: Int) -> String {
        directory + "/." + base + ".tmp-\(pid)-\(attempt)"
    }

    /// The process id in a `temporaryPath` file name, or nil for any other name.
    static func temporaryFileOwner(_ name: String) -> pid_t? {
        func digits(_ s: Substring) -> Bool { !s.isEmpty && s.allSatisfy { ("0"..."9").contains($0) } }
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard name.hasPrefix("."), parts.count >= 3, parts[parts.count - 3].hasSuffix(".tmp"),
            digits(parts[parts.count - 1]), digits(parts[parts.count - 2]),
            let pid = pid_t(parts[parts.count - 2]), pid > 0
        else { return nil }
        return pid
    }

    /// Removes the temporary files in `directory` that `writeAtomically` calls of processes
    /// no longer running left behind (killed mid-write); returns their paths. Files of
    /// live processes (a write in progress) are kept.
    @discardableResult
    public static func removeStaleTemporaryFiles(in directory: String) -> [String] {
        guard let stream = opendir(directory) else { return [] }
        var names: [String] = []
        while let entry = readdir(stream) {
            var raw = entry.pointee.d_name
            names.append(withUnsafeBytes(of: &raw) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) })
        }
        closedir(stream)
        var removed: [String] = []
        for name in names {
            guard let pid = temporaryFileOwner(name), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            let path = directory + "/" + name
            if unlink(path) == 0 { removed.append(path) }
        }
        return removed
    }

    /// Writes all of `raw` to `fd`, the file at `path`; returns the failure, if any.
    private static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, path: String) -> Failure? {
        var done = 0
        while done < raw.count {
            let n = write(fd, raw.baseAddress! + done, raw.count - done)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return writeFailure(path, "write") }
            done += n
        }
        return nil
    }

    /// A failed step of writing `path`, with the system's reason: "cannot write P: fsync: ...".
    private static func writeFailure(_ path: String, _ step: String) -> Failure {
        .system("cannot write \(path): \(step): \(String(cString: strerror(errno)))")
    }

    private static func systemFailure(_ what: String) -> Failure {
        .system("\(what): \(String(cString: strerror(errno)))")
    }
}
