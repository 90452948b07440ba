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
        case unreadable(String)

        var description: String {
            switch self {
            case .noSuchFile: return "no such file"
            case .isDirectory: return "is a directory"
            case .tooLarge: return "file is larger than \(FileReader.maxBytes >> 20) MiB"
            case let .unreadable(reason): return "cannot read file (\(reason))"
            }
        }
    }

    /// The bytes of the file at `path`.
    static func contents(of path: String) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return .failure(failure(errno)) }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { return .failure(.isDirectory) }
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
