/// The element types the safetensors format defines, by their header names, in the
/// order of the reference implementation's `Dtype` enum (which its writer uses to lay
/// out tensors: see `SafetensorsWriter`).
///
/// Canopy computes in float32 and int32; the other types are read (and converted)
/// so checkpoints and reference files written by other tools load, and can be
/// written back unchanged as raw bytes. The sub-byte types (F4, F6_*) and E8M0 are
/// not supported: a file using them fails with `unknownDType`.
public enum SafetensorsDType: String, Sendable, Hashable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "U8"
    case int8 = "I8"
    case float8E5M2 = "F8_E5M2"
    case float8E4M3 = "F8_E4M3"
    case int16 = "I16"
    case uint16 = "U16"
    case float16 = "F16"
    case bfloat16 = "BF16"
    case int32 = "I32"
    case uint32 = "U32"
    case float32 = "F32"
    case float64 = "F64"
    case int64 = "I64"
    case uint64 = "U64"

    /// The safetensors type of a Canopy dtype.
    public init(_ dtype: DType) {
        switch dtype {
        case .float32: self = .float32
        case .int32: self = .int32
        }
    }

    /// Position in the reference implementation's dtype order.
    public var rank: Int { Self.allCases.firstIndex(of: self)! }

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .bool, .uint8, .int8, .float8E4M3, .float8E5M2: return 1
        case .int16, .uint16, .float16, .bfloat16: return 2
        case .int32, .uint32, .float32: return 4
        case .float64, .int64, .uint64: return 8
        }
    }

    /// Whether the elements are floating point (and so have no exact int32 conversion).
    public var isFloatingPoint: Bool {
        switch self {
        case .float8E4M3, .float8E5M2, .float16, .bfloat16, .float32, .float64: return true
        default: return false
        }
    }
}

/// Bit-level decoding of the narrow float formats; exact, including subnormals,
/// infinities and NaN.
enum NarrowFloat {
    /// IEEE 754 binary16 to Float.
    @inlinable static func half(_ h: UInt16) -> Float {
        let sign: UInt32 = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1F
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 31 { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
    }

    /// bfloat16 (the top half of a float32) to Float.
    @inlinable static func bfloat(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    /// float8 E5M2 (the top byte of a binary16) to Float.
    @inlinable static func e5m2(_ b: UInt8) -> Float { half(UInt16(b) << 8) }

    /// float8 E4M3FN (bias 7, no infinities, S.1111.111 is NaN) to Float.
    @inlinable static func e4m3(_ b: UInt8) -> Float {
        let negative = b & 0x80 != 0
        let exponent = Int((b >> 3) & 0x0F)
        let mantissa = Float(b & 0x07)
        let magnitude: Float
        if exponent == 15, b & 0x07 == 7 {
            magnitude = .nan
        } else if exponent == 0 {
            magnitude = mantissa * 0x1p-9
        } else {
            magnitude = Float(sign: .plus, exponent: exponent - 7, significand: 1 + mantissa / 8)
        }
        return negative ? -magnitude : magnitude
    }
}
