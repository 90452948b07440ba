/// A data set that cannot be loaded or split, with the file (or directory) concerned and
/// the reason. Malformed or missing data always ends here, never in a trap.
public struct DatasetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why loading failed.
    public enum Reason: Sendable, Equatable {
        /// The data set's directory does not exist; `expected` lists the files it should hold.
        case directoryNotFound(expected: [String])
        /// A file of the data set is missing; `expected` lists every file the loader needs.
        case fileNotFound(expected: [String])
        /// The file could not be opened or read (the system's message).
        case readFailed(String)
        /// The file ends before the data its header announces.
        case truncated(expectedBytes: Int, actualBytes: Int)
        /// The file holds more bytes than its header announces.
        case trailingBytes(expectedBytes: Int, actualBytes: Int)
        /// An IDX file whose magic number is not the one expected (e.g. a label file
        /// where images were expected, or not an IDX file at all).
        case wrongMagic(found: UInt32, expected: UInt32)
        /// The images and labels files hold different numbers of samples.
        case countMismatch(images: Int, labels: Int)
        /// Image dimensions other than the data set's.
        case wrongDimensions(found: [Int], expected: [Int])
        /// A label outside 0..<classCount, at sample `index`.
        case labelOutOfRange(index: Int, label: Int, classCount: Int)
        /// A gzip stream that is corrupt or cut short (zlib's message).
        case gzip(String)
        /// A CIFAR file whose size is not a whole number of records.
        case recordSizeMismatch(fileSize: Int, recordSize: Int)
        /// A file that holds no samples.
        case empty
        /// A split or subset that the data cannot provide (too many samples asked for).
        case invalidSelection(String)
        /// A configuration value that cannot work (the `ParamError`'s message).
        case invalidConfig(String)
        /// An image file that cannot be decoded (the decoder's reason: "not a PNG file",
        /// libpng's or libjpeg's message).
        case badImage(String)
        /// A folder tree that is not laid out as the data set needs (no class folders, a
        /// class without images, splits with different classes).
        case layout(String)
    }

    /// The file or directory concerned (a data set's `source` for split errors).
    public var path: String
    public var reason: Reason

    public init(path: String, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let message: String
        switch reason {
        case let .directoryNotFound(expected):
            message = "no such directory; expected it to hold \(expected.joined(separator: ", "))"
        case let .fileNotFound(expected):
            message = "no such file; the data set needs \(expected.joined(separator: ", "))"
        case let .readFailed(m): message = "cannot read: \(m)"
        case let .truncated(expected, actual):
            message = "truncated: \(actual) bytes where the header announces \(expected)"
        case let .trailingBytes(expected, actual):
            message = "\(actual) bytes where the header announces \(expected): \(actual - expected) unexpected trailing bytes"
        case let .wrongMagic(found, expected):
            message = "wrong IDX magic number \(hex(found)), expected \(hex(expected))"
        case let .countMismatch(images, labels):
            message = "\(labels) labels for \(images) images"
        case let .wrongDimensions(found, expected):
            message = "images are \(dims(found)), expected \(dims(expected))"
        case let .labelOutOfRange(index, label, classCount):
            message = "label \(label) of sample \(index) is outside 0..<\(classCount)"
        case let .gzip(m): message = "corrupt gzip data: \(m)"
        case let .recordSizeMismatch(size, record):
            message = "size \(size) bytes is not a multiple of the \(record)-byte record"
        case .empty: message = "holds no samples"
        case let .invalidSelection(m): message = m
        case let .invalidConfig(m): message = "invalid data configuration: \(m)"
        case let .badImage(m): message = m
        case let .layout(m): message = m
        }
        return "\(path): \(message)"
    }

    private func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    private func dims(_ d: [Int]) -> String { d.map(String.init).joined(separator: "x") }
}
