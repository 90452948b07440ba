/// One tensor of a safetensors file: name, dtype, shape and its raw little-endian
/// bytes (a slice sharing the file's buffer), with conversions to Canopy's types.
public struct SafetensorsTensor: Sendable {
    public let name: String
    public let dtype: SafetensorsDType
    /// Dimensions, outermost first; empty for a scalar.
    public let shape: [Int]
    /// The raw element bytes, exactly `count * dtype.size` of them.
    public let bytes: ArraySlice<UInt8>
    /// The file the tensor came from, for error messages.
    public let path: String?

    public init(name: String, dtype: SafetensorsDType, shape: [Int], bytes: ArraySlice<UInt8>, path: String?) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
        self.path = path
    }

    /// Number of elements.
    public var count: Int { bytes.count / dtype.size }

    /// The elements converted to float32 (every dtype converts; 64-bit values round).
    public func floats() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { convertFloats(into: base) }
            initialized = count
        }
    }

    /// The elements as int32; fails for floating-point dtypes and for values outside int32.
    public func int32s() throws(SafetensorsError) -> [Int32] {
        var failure: SafetensorsError?
        let values = [Int32](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress {
                do throws(SafetensorsError) { try convertInt32s(into: base) } catch { failure = error }
            }
            initialized = failure == nil ? count : 0
        }
        if let failure { throw failure }
        return values
    }

    /// Converts the elements into `tensor` (float32 or int32), which must have the same shape.
    public func copy(into tensor: Tensor) throws(SafetensorsError) {
        guard tensor.shape.dims == shape else {
            throw error("shape \(Shape(shape)) does not match the destination's \(tensor.shape)")
        }
        switch tensor.dtype {
        case .float32: convertFloats(into: tensor.f)
        case .int32: try convertInt32s(into: tensor.i)
        }
    }

    private func error(_ message: String) -> SafetensorsError {
        SafetensorsError(path: path, .conversion(tensor: name, message))
    }

    /// Writes the `count` elements as Float into `out`.
    private func convertFloats(into out: UnsafeMutablePointer<Float>) {
        let n = count
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .float32: for i in 0..<n { out[i] = Float(bitPattern: raw.loadLE(UInt32.self, i)) }
            case .float64: for i in 0..<n { out[i] = Float(Double(bitPattern: raw.loadLE(UInt64.self, i))) }
            case .float16: for i in 0..<n { out[i] = NarrowFloat.half(raw.loadLE(UInt16.self, i)) }
            case .bfloat16: for i in 0..<n { out[i] = NarrowFloat.bfloat(raw.loadLE(UInt16.self, i)) }
            case .float8E4M3: for i in 0..<n { out[i] = NarrowFloat.e4m3(raw[i]) }
            case .float8E5M2: for i in 0..<n { out[i] = NarrowFloat.e5m2(raw[i]) }
            case .bool: for i in 0..<n { out[i] = raw[i] != 0 ? 1 : 0 }
            case .uint8: for i in 0..<n { out[i] = Float(raw[i]) }
            case .int8: for i in 0..<n { out[i] = Float(Int8(bitPattern: raw[i])) }
            case .int16: for i in 0..<n { out[i] = Float(Int16(bitPattern: raw.loadLE(UInt16.self, i))) }
            case .uint16: for i in 0..<n { out[i] = Float(raw.loadLE(UInt16.self, i)) }
            case .int32: for i in 0..<n { out[i] = Float(Int32(bitPattern: raw.loadLE(UInt32.self, i))) }
            case .uint32: for i in 0..<n { out[i] = Float(raw.loadLE(UInt32.self, i)) }
            case .int64: for i in 0..<n { out[i] = Float(Int64(bitPattern: raw.loadLE(UInt64.self, i))) }
            case .uint64: for i in 0..<n { out[i] = Float(raw.loadLE(UInt64.self, i)) }
            }
        }
    }

    /// Writes the `count` elements as Int32 into `out`; integer and boolean dtypes only.
    private func convertInt32s(into out: UnsafeMutablePointer<Int32>) throws(SafetensorsError) {
        guard !dtype.isFloatingPoint else { throw error("cannot convert \(dtype.rawValue) to int32") }
        let n = count
        var outOfRange: Int?
        bytes.withUnsafeBytes { raw in
            switch dtype {
            case .float32, .float64, .float16, .bfloat16, .float8E4M3, .float8E5M2: break
            case .bool: for i in 0..<n { out[i] = raw[i] != 0 ? 1 : 0 }
            case .uint8: for i in 0..<n { out[i] = Int32(raw[i]) }
            case .int8: for i in 0..<n { out[i] = Int32(Int8(bitPattern: raw[i])) }
            case .int16: for i in 0..<n { out[i] = Int32(Int16(bitPattern: raw.loadLE(UInt16.self, i))) }
            case .uint16: for i in 0..<n { out[i] = Int32(raw.loadLE(UInt16.self, i)) }
            case .int32: for i in 0..<n { out[i] = Int32(bitPattern: raw.loadLE(UInt32.self, i)) }
            case .uint32:
                for i in 0..<n {
                    guard let v = Int32(exactly: raw.loadLE(UInt32.self, i)) else {
                        outOfRange = i
                        break
                    }
                    out[i] = v
                }
            case .int64:
                for i in 0..<n {
                    guard let v = Int32(exactly: Int64(bitPattern: raw.loadLE(UInt64.self, i))) else {
                        outOfRange = i
                        break
                    }
                    out[i] = v
                }
            case .uint64:
                for i in 0..<n {
                    guard let v = Int32(exactly: raw.loadLE(UInt64.self, i)) else {
                        outOfRange = i
                        break
                    }
                    out[i] = v
                }
            }
        }
        if let i = outOfRange { throw error("element \(i) does not fit in int32") }
    }
}

extension UnsafeRawBufferPointer {
    /// Element `i` of a packed little-endian array of `T`, at any alignment.
    @inlinable func loadLE<T: FixedWidthInteger>(_ type: T.Type, _ i: Int) -> T {
        T(littleEndian: loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
    }
}
