import CanopyRuntime
import Foundation

/// Builders of hand-made safetensors bytes for reader tests.
enum SafetensorsBytes {
    /// A file: `length` (default: the header's byte count) as 8 little-endian bytes, the header text, the data.
    static func file(header: String, data: [UInt8], length: UInt64? = nil) -> [UInt8] {
        let json = Array(header.utf8)
        let n = length ?? UInt64(json.count)
        return withUnsafeBytes(of: n.littleEndian) { [UInt8]($0) } + json + data
    }

    /// The header entry text of one tensor.
    static func entry(_ name: String, _ dtype: String, _ shape: [Int], _ begin: Int, _ end: Int) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[\(begin),\(end)]}"
    }

    /// The little-endian bytes of fixed-width integers.
    static func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { [UInt8]($0) } }
    }

    /// A directory under the system temporary directory, unique to this call.
    static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("canopy-tests-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
