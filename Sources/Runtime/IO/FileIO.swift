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
                if n < 0 { failure = systemFailure("read"); break }
                if n == 0 { break }
                done += n
            }
            initialized = done
        }
        if let failure { throw failure }
        return bytes
    }

    /// Writes `parts`, concatenated, to `path` atomically: into a new temporary file in
    /// the same directory, flushed to disk with fsync, then renamed over `path` (and the
    /// directory synced), so a crash leaves either the old file or the complete new one.
    /// On failure the temporary file is removed and `path` is untouched.
    public static func writeAtomically(_ parts: [[UInt8]], to path: String) throws(Failure) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var fd: Int32 = -1
        var temporary = ""
        for attempt in 0..<100 {
            temporary = directory + "/." + base + ".tmp-\(getpid())-\(attempt)"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw systemFailure("create a temporary file in \(directory)") }
        do throws(Failure) {
            for part in parts {
                if let failure = part.withUnsafeBytes({ writeAll(fd, $0) }) { throw failure }
            }
            guard fsync(fd) == 0 else { throw systemFailure("fsync") }
            let closed = close(fd)
            fd = -1
            guard closed == 0 else { throw systemFailure("close") }
            guard rename(temporary, path) == 0 else { throw systemFailure("rename to \(path)") }
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

    /// Writes all of `raw` to `fd`; returns the failure, if any.
    private static func writeAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer) -> Failure? {
        var done = 0
        while done < raw.count {
            let n = write(fd, raw.baseAddress! + done, raw.count - done)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return systemFailure("write") }
            done += n
        }
        return nil
    }

    private static func systemFailure(_ what: String) -> Failure {
        .system("\(what): \(String(cString: strerror(errno)))")
    }
}
