/// A safetensors file that cannot be read or written, with the file's path and the
/// reason. Malformed input always ends here, never in a trap.
public struct SafetensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the operation failed.
    public enum Reason: Sendable, Equatable {
        /// The file does not exist.
        case fileNotFound
        /// The file could not be opened or read (the system's message).
        case readFailed(String)
        /// The file could not be written (FileIO's message, which names the file).
        case writeFailed(String)
        /// Fewer than the 8 bytes of the header length.
        case fileTooShort(size: Int)
        /// A header length beyond the 100 MB limit of the format.
        case headerTooLarge(length: UInt64)
        /// A header length that runs past the end of the file.
        case headerBeyondFile(length: UInt64, fileSize: Int)
        /// The header is not valid JSON.
        case invalidHeaderJSON(JSONError)
        /// The header is valid JSON but not an object.
        case headerNotObject
        /// A tensor entry lacks a field or has one of the wrong kind.
        case invalidEntry(tensor: String, String)
        /// A dtype the format does not define (or Canopy does not support).
        case unknownDType(tensor: String, dtype: String)
        /// Data offsets outside the data buffer or not matching shape and dtype.
        case invalidOffsets(tensor: String, String)
        /// Two tensors share bytes.
        case overlappingData(String, String)
        /// Bytes of the data buffer that no tensor covers (the format forbids holes).
        case dataHole(offset: Int, length: Int)
        /// A tensor name that appears twice.
        case duplicateName(String)
        /// `__metadata__` is not an object of strings.
        case invalidMetadata(String)
        /// No tensor of this name.
        case missingTensor(String)
        /// A tensor that cannot be converted or copied as asked.
        case conversion(tensor: String, String)
        /// A tensor given to the writer that is inconsistent or clashes with another.
        case invalidTensor(String, String)
    }

    /// The file concerned; nil for a writer that has no file yet.
    public var path: String?
    public var reason: Reason

    public init(path: String?, _ reason: Reason) {
        self.path = path
        self.reason = reason
    }

    public var description: String {
        let message: String
        switch reason {
        case .fileNotFound: message = "no such file"
        case let .readFailed(m): message = "cannot read: \(m)"
        case let .writeFailed(m): return m  // FileIO's message names the file already
        case let .fileTooShort(size): message = "file is \(size) bytes, shorter than the 8-byte header length"
        case let .headerTooLarge(length): message = "header length \(length) exceeds the 100000000-byte limit"
        case let .headerBeyondFile(length, size):
            message = "header length \(length) runs past the end of the \(size)-byte file"
        case let .invalidHeaderJSON(e): message = "header: \(e)"
        case .headerNotObject: message = "header is not a JSON object"
        case let .invalidEntry(t, m): message = "tensor '\(t)': \(m)"
        case let .unknownDType(t, d): message = "tensor '\(t)': unknown dtype '\(d)'"
        case let .invalidOffsets(t, m): message = "tensor '\(t)': \(m)"
        case let .overlappingData(a, b): message = "tensors '\(a)' and '\(b)' overlap in the data buffer"
        case let .dataHole(offset, length):
            message = "\(length) bytes at data offset \(offset) belong to no tensor"
        case let .duplicateName(n): message = "tensor name '\(n)' appears twice"
        case let .invalidMetadata(m): message = "__metadata__: \(m)"
        case let .missingTensor(n): message = "no tensor named '\(n)'"
        case let .conversion(t, m): message = "tensor '\(t)': \(m)"
        case let .invalidTensor(t, m): message = "tensor '\(t)': \(m)"
        }
        return path.map { "\($0): \(message)" } ?? message
    }
}
