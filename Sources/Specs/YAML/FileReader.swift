#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a spec file's bytes, turning every failure into a short message.
enum FileReader {
    /// The largest spec file read; this also stops reads of endless devices.
    static let maxBytes = 16 << 20

    /// Why a file could not be read, worded for a diagnostic.
    enum Failure: Error, Equatable, CustomStringConvertible {
        case noSuchFile
        case isDirectory
        case tooLarge
        case emptyFIFO
        case unreadable(String)

        var description: String {
            switch self {
            case .noSuchFile: return "no such file"
            case .isDirectory: return "is a directory"
            case .tooLarge: return "file is larger than \(FileReader.maxBytes >> 20) MiB"
            case .emptyFIFO: return "is a FIFO and nothing was written to it"
            case let .unreadable(reason): return "cannot read file (\(reason))"
            }
        }
    }

    /// The bytes of the file at `path`.
    ///
    /// The file is opened without blocking, so a FIFO nobody writes to does not hang the
    /// open; it then reads as a FIFO with nothing written to it. A pipe that is written
    /// (`<(...)` in a shell) reads like a file.
    static func contents(of path: String) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { return .failure(failure(errno)) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return .failure(failure(errno)) }
        let kind = status.st_mode & S_IFMT
        if kind == S_IFDIR { return .failure(.isDirectory) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        let result = readAll(fd)
        if kind == S_IFIFO, case .success(let bytes) = result, bytes.isEmpty { return .failure(.emptyFIFO) }
        return result
    }

    private static func readAll(_ fd: Int32) -> Result<[UInt8], Failure> {
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        var used = 0
        while true {
            if used == bytes.count {
                if used >= maxBytes { return .failure(.tooLarge) }
                bytes.append(contentsOf: [UInt8](repeating: 0, count: used))
            }
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + used, $0.count - used) }
            if n == 0 {
                bytes.removeLast(bytes.count - used)
                return .success(bytes)
            }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(failure(errno))
            }
            used += n
        }
    }

    private static func failure(_ code: Int32) -> Failure {
        switch code {
        case ENOENT, ENOTDIR: return .noSuchFile
        case EISDIR: return .isDirectory
        default: return .unreadable(String(cString: strerror(code)))
        }
    }
}
