/// The YAML 1.2 core schema's resolution of plain scalars:
///
/// - null: `null`, `Null`, `NULL`, `~`, or nothing
/// - bool: `true`, `True`, `TRUE`, `false`, `False`, `FALSE`
/// - int: `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`
/// - float: `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`, `[-+]?.inf` (also `.Inf`, `.INF`),
///   `.nan` (also `.NaN`, `.NAN`)
/// - anything else is a string (so YAML 1.1's `yes`, `on`, `0b101`, `1_000` are strings).
enum CoreSchema {
    enum Resolution: Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        /// Matches the int pattern but does not fit in 64 bits; carries the nearest double.
        case intOverflow(Double)
        /// Matches the float pattern but is beyond the double range; carries the infinity.
        case doubleOverflow(Double)
        case string
    }

    static func resolve(_ text: String) -> Resolution {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        let u = Array(text.utf8)
        if u.count > 2, u[0] == UInt8(ascii: "0"), u[1] == UInt8(ascii: "o") || u[1] == UInt8(ascii: "x") {
            let radix = u[1] == UInt8(ascii: "o") ? 8 : 16
            let digits = u[2...]
            guard digits.allSatisfy({ digitValue($0).map { $0 < radix } ?? false }) else { return .string }
            if let i = Int(String(decoding: digits, as: UTF8.self), radix: radix) { return .int(i) }
            return .intOverflow(digits.reduce(0.0) { $0 * Double(radix) + Double(digitValue($1)!) })
        }
        if isDecimalInt(u[...]) {
            if let i = Int(text) { return .int(i) }
            return .intOverflow(Double(text) ?? .infinity)
        }
        if isFloat(u) {
            guard let d = Double(text) else { return .string }
            return d.isInfinite ? .doubleOverflow(d) : .double(d)
        }
        return .string
    }

    private static func digitValue(_ c: UInt8) -> Int? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(c - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(c - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(c - UInt8(ascii: "A")) + 10
        default: return nil
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }

    private static func isSign(_ c: UInt8) -> Bool { c == UInt8(ascii: "+") || c == UInt8(ascii: "-") }

    private static func isDecimalInt(_ u: ArraySlice<UInt8>) -> Bool {
        let body = u.first.map(isSign) == true ? u.dropFirst() : u
        return !body.isEmpty && body.allSatisfy(isDigit)
    }

    private static func isFloat(_ u: [UInt8]) -> Bool {
        var i = 0
        if i < u.count, isSign(u[i]) { i += 1 }
        let intStart = i
        while i < u.count, isDigit(u[i]) { i += 1 }
        let intDigits = i - intStart
        var fracDigits = 0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < u.count, isDigit(u[i]) { i += 1 }
            fracDigits = i - fracStart
            if intDigits == 0 && fracDigits == 0 { return false }
        } else if intDigits == 0 {
            return false
        }
        if i < u.count, u[i] == UInt8(ascii: "e") || u[i] == UInt8(ascii: "E") {
            i += 1
            if i < u.count, isSign(u[i]) { i += 1 }
            let expStart = i
            while i < u.count, isDigit(u[i]) { i += 1 }
            if i == expStart { return false }
        }
        return i == u.count
    }
}
