/// A parsed safetensors file: its tensors (in header order) and its `__metadata__`.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON header, then the
/// data buffer. The header maps each tensor name to `{"dtype", "shape",
/// "data_offsets": [begin, end]}` (offsets relative to the data buffer) and may hold a
/// `"__metadata__"` object of strings. Reading validates everything the reference
/// implementation does: the header length (at most 100 MB and within the file), the
/// JSON, every entry's fields and dtype, that `end - begin` equals the element count
/// times the dtype size, that names are unique, and that the tensors cover the data
/// buffer exactly, with no overlap and no hole. Unknown extra fields in an entry are
/// ignored, as the reference implementation does. Every failure is a
/// `SafetensorsError` naming the file; no input traps.
public struct SafetensorsFile: Sendable {
    /// The largest header the format allows.
    public static let maxHeaderLength: UInt64 = 100_000_000

    /// Where the file was read from, or the label given for in-memory bytes.
    public let path: String?
    /// The `__metadata__` strings (empty when the file has none).
    public let metadata: [String: String]
    /// The tensors in header order.
    public let tensors: [SafetensorsTensor]
    private let index: [String: Int]

    /// Reads and validates the file at `path`.
    public init(contentsOf path: String) throws(SafetensorsError) {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.contents(of: path)
        } catch {
            switch error {
            case .notFound: throw SafetensorsError(path: path, .fileNotFound)
            case let .system(m): throw SafetensorsError(path: path, .readFailed(m))
            }
        }
        try self.init(bytes: bytes, path: path)
    }

    /// Parses and validates a whole file held in memory; `path` labels error messages.
    public init(bytes: [UInt8], path: String? = nil) throws(SafetensorsError) {
        func fail(_ reason: SafetensorsError.Reason) -> SafetensorsError { SafetensorsError(path: path, reason) }

        guard bytes.count >= 8 else { throw fail(.fileTooShort(size: bytes.count)) }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(bytes[i]) }
        guard length <= Self.maxHeaderLength else { throw fail(.headerTooLarge(length: length)) }
        guard length <= UInt64(bytes.count - 8) else {
            throw fail(.headerBeyondFile(length: length, fileSize: bytes.count))
        }
        let dataStart = 8 + Int(length)
        let dataLength = bytes.count - dataStart

        let header: ParamValue
        do {
            header = try JSON.parse(bytes: Array(bytes[8..<dataStart]), allowDuplicateKeys: true)
        } catch {
            throw fail(.invalidHeaderJSON(error))
        }
        guard case let .object(entries) = header else { throw fail(.headerNotObject) }

        var metadata: [String: String] = [:]
        var tensors: [(tensor: SafetensorsTensor, begin: Int, end: Int)] = []
        var index: [String: Int] = [:]
        var seen: Set<String> = []
        for (name, value) in entries {
            guard seen.insert(name).inserted else { throw fail(.duplicateName(name)) }
            if name == "__metadata__" {
                metadata = try Self.parseMetadata(value, fail)
                continue
            }
            let (dtype, shape, begin, end) = try Self.parseEntry(name, value, dataLength: dataLength, fail)
            let tensor = SafetensorsTensor(
                name: name, dtype: dtype, shape: shape,
                bytes: bytes[(dataStart + begin)..<(dataStart + end)], path: path)
            index[name] = tensors.count
            tensors.append((tensor, begin, end))
        }

        // The tensors must tile the data buffer: sorted by offset, each starts where the previous ends.
        let ordered = tensors.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        var previous: String?
        for entry in ordered {
            if entry.begin > cursor { throw fail(.dataHole(offset: cursor, length: entry.begin - cursor)) }
            if entry.begin < cursor, let previous { throw fail(.overlappingData(previous, entry.tensor.name)) }
            cursor = entry.end
            previous = entry.tensor.name
        }
        if cursor != dataLength { throw fail(.dataHole(offset: cursor, length: dataLength - cursor)) }

        self.path = path
        self.metadata = metadata
        self.tensors = tensors.map(\.tensor)
        self.index = index
    }

    /// The tensor names in header order.
    public var names: [String] { tensors.map(\.name) }

    /// The tensor named `name`, or nil.
    public subscript(name: String) -> SafetensorsTensor? { index[name].map { tensors[$0] } }

    /// The tensor named `name`; a missing name is an error naming the file.
    public func tensor(_ name: String) throws(SafetensorsError) -> SafetensorsTensor {
        guard let i = index[name] else { throw SafetensorsError(path: path, .missingTensor(name)) }
        return tensors[i]
    }

    private static func parseMetadata(
        _ value: ParamValue, _ fail: (SafetensorsError.Reason) -> SafetensorsError
    ) throws(SafetensorsError) -> [String: String] {
        guard case let .object(pairs) = value else { throw fail(.invalidMetadata("expected an object of strings")) }
        var metadata: [String: String] = [:]
        for (key, value) in pairs {
            guard case let .string(s) = value else {
                throw fail(.invalidMetadata("value of '\(key)' is \(value.kindName), not a string"))
            }
            guard metadata.updateValue(s, forKey: key) == nil else { throw fail(.invalidMetadata("key '\(key)' appears twice")) }
        }
        return metadata
    }

    private static func parseEntry(
        _ name: String, _ value: ParamValue, dataLength: Int, _ fail: (SafetensorsError.Reason) -> SafetensorsError
    ) throws(SafetensorsError) -> (SafetensorsDType, [Int], Int, Int) {
        func invalid(_ message: String) -> SafetensorsError { fail(.invalidEntry(tensor: name, message)) }
        guard case .object = value else { throw invalid("expected an object with dtype, shape and data_offsets") }

        guard let dtypeValue = value["dtype"] else { throw invalid("missing 'dtype'") }
        guard case let .string(dtypeName) = dtypeValue else { throw invalid("'dtype' is \(dtypeValue.kindName), not a string") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else { throw fail(.unknownDType(tensor: name, dtype: dtypeName)) }

        guard let shapeValue = value["shape"] else { throw invalid("missing 'shape'") }
        guard case let .array(dims) = shapeValue else { throw invalid("'shape' is \(shapeValue.kindName), not a list") }
        var shape: [Int] = []
        var count = 1
        for dim in dims {
            guard case let .int(d) = dim, d >= 0 else { throw invalid("'shape' must hold non-negative integers, found \(dim)") }
            let (product, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow else { throw invalid("shape \(shapeValue) has too many elements") }
            count = product
            shape.append(d)
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { throw invalid("shape \(shapeValue) has too many bytes") }

        guard let offsetsValue = value["data_offsets"] else { throw invalid("missing 'data_offsets'") }
        guard case let .array(offsets) = offsetsValue, offsets.count == 2,
            case let .int(begin) = offsets[0], case let .int(end) = offsets[1], begin >= 0, end >= 0
        else { throw invalid("'data_offsets' must be two non-negative integers, found \(offsetsValue)") }

        func badOffsets(_ message: String) -> SafetensorsError { fail(.invalidOffsets(tensor: name, message)) }
        guard begin <= end else { throw badOffsets("data_offsets [\(begin), \(end)] end before they begin") }
        guard end <= dataLength else {
            throw badOffsets("data_offsets [\(begin), \(end)] run past the \(dataLength)-byte data buffer")
        }
        guard end - begin == byteCount else {
            throw badOffsets("data_offsets [\(begin), \(end)] hold \(end - begin) bytes, but \(dtypeName) \(shapeValue) needs \(byteCount)")
        }
        return (dtype, shape, begin, end)
    }
}
