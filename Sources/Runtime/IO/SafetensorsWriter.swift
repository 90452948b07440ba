/// Builds a safetensors file: add tensors and metadata, then `write(to:)`.
///
/// Tensors are copied when added, so the writer holds a consistent snapshot. The
/// layout is the reference implementation's: the header lists `__metadata__` first
/// (when there is any, keys sorted), then the tensors sorted by dtype, widest first
/// (descending `SafetensorsDType.rank`), then by name (UTF-8 byte order); the data
/// buffer holds them in that order, and the header is padded with spaces to a
/// multiple of 8 bytes. So every tensor starts at a multiple of its element size in
/// the file, and a file holding the reference's tensors has the reference's bytes
/// (up to the order of metadata keys, which the reference leaves to a hash map).
public struct SafetensorsWriter: Sendable {
    private struct Entry: Sendable {
        var dtype: SafetensorsDType
        var shape: [Int]
        var bytes: [UInt8]
    }

    /// Free-form strings stored under `__metadata__`.
    public var metadata: [String: String]
    private var entries: [String: Entry] = [:]

    public init(metadata: [String: String] = [:]) { self.metadata = metadata }

    /// Adds a copy of a Canopy tensor (float32 as F32, int32 as I32).
    public mutating func add(_ name: String, _ tensor: Tensor) throws(SafetensorsError) {
        let bytes = [UInt8](UnsafeRawBufferPointer(start: tensor.base, count: tensor.spec.byteCount))
        try add(name, dtype: SafetensorsDType(tensor.dtype), shape: tensor.shape.dims, bytes: bytes)
    }

    /// Adds float32 values with `shape`.
    public mutating func add(_ name: String, floats: [Float], shape: [Int]) throws(SafetensorsError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(floats.count * 4)
        for v in floats { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        try add(name, dtype: .float32, shape: shape, bytes: bytes)
    }

    /// Adds int32 values with `shape`.
    public mutating func add(_ name: String, int32s: [Int32], shape: [Int]) throws(SafetensorsError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(int32s.count * 4)
        for v in int32s { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        try add(name, dtype: .int32, shape: shape, bytes: bytes)
    }

    /// Adds raw little-endian element bytes of any dtype; their count must be the
    /// element count of `shape` times the dtype size.
    public mutating func add(_ name: String, dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) throws(SafetensorsError) {
        func invalid(_ message: String) -> SafetensorsError { SafetensorsError(path: nil, .invalidTensor(name, message)) }
        guard name != "__metadata__" else { throw invalid("the name is reserved for the metadata") }
        guard entries[name] == nil else { throw invalid("added twice") }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw invalid("shape \(shape) has a negative dimension") }
        let needed = shape.reduce(1, *) * dtype.size
        guard bytes.count == needed else {
            throw invalid("\(bytes.count) bytes given, but \(dtype.rawValue) \(shape) needs \(needed)")
        }
        entries[name] = Entry(dtype: dtype, shape: shape, bytes: bytes)
    }

    /// The names added so far, in file order.
    public var names: [String] {
        entries.keys.sorted { a, b in
            let ra = entries[a]!.dtype.rank, rb = entries[b]!.dtype.rank
            return ra != rb ? ra > rb : a.utf8.lexicographicallyPrecedes(b.utf8)
        }
    }

    /// The header bytes, length prefix included, and the tensor data in file order.
    private func parts() -> [[UInt8]] {
        var header: [(key: String, value: ParamValue)] = []
        if !metadata.isEmpty {
            let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            header.append(("__metadata__", .object(keys.map { ($0, .string(metadata[$0]!)) })))
        }
        var data: [[UInt8]] = []
        var offset = 0
        for name in names {
            let e = entries[name]!
            header.append(
                (
                    name,
                    .object([
                        ("dtype", .string(e.dtype.rawValue)),
                        ("shape", .array(e.shape.map { .int($0) })),
                        ("data_offsets", .array([.int(offset), .int(offset + e.bytes.count)])),
                    ])
                ))
            offset += e.bytes.count
            data.append(e.bytes)
        }
        var json = Array(JSON.serialize(.object(header)).utf8)
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))
        var prefix = withUnsafeBytes(of: UInt64(json.count).littleEndian) { [UInt8]($0) }
        prefix.append(contentsOf: json)
        return [prefix] + data
    }

    /// The complete file as bytes.
    public func encoded() -> [UInt8] { parts().flatMap { $0 } }

    /// Writes the file atomically (temporary file in the same directory, fsync, rename
    /// over `path`): a crash leaves the previous file or the complete new one.
    public func write(to path: String) throws(SafetensorsError) {
        do {
            try FileIO.writeAtomically(parts(), to: path)
        } catch {
            throw SafetensorsError(path: path, .writeFailed(error.description))
        }
    }
}
