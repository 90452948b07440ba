/// Strict JSON (RFC 8259) to and from `ParamValue`: safetensors headers, golden-case
/// `attrs`, `metrics.jsonl` and `final.json`.
///
/// Parsing: numbers without fraction or exponent become `.int` (falling back to
/// `.double` beyond the range of `Int`), every other number `.double`; objects keep
/// their key order; duplicate keys are an error unless `allowDuplicateKeys` (then
/// every pair is kept, in order). Invalid UTF-8, unescaped control characters,
/// unpaired surrogates, leading zeros, non-finite numbers, trailing characters and
/// nesting deeper than `maxDepth` are errors. The parser is iterative, so no input
/// can overflow the stack, and it never traps.
///
/// Serialising: compact text (no whitespace), strings escaped, doubles in the
/// shortest form that reads back to the same value (integral doubles keep a ".0", so
/// the kind survives a round trip); NaN and infinities, which JSON cannot express,
/// are written as `null`.
public enum JSON {
    /// The deepest nesting of arrays and objects the parser accepts.
    public static let maxDepth = 512

    /// Parses one JSON value from `text`.
    public static func parse(_ text: String, allowDuplicateKeys: Bool = false) throws(JSONError) -> ParamValue {
        try parse(bytes: Array(text.utf8), allowDuplicateKeys: allowDuplicateKeys)
    }

    /// Parses one JSON value from UTF-8 bytes.
    public static func parse(bytes: [UInt8], allowDuplicateKeys: Bool = false) throws(JSONError) -> ParamValue {
        var parser = JSONParser(bytes: bytes, allowDuplicateKeys: allowDuplicateKeys)
        return try parser.parseDocument()
    }

    /// Compact JSON text for `value`.
    public static func serialize(_ value: ParamValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    private static func write(_ value: ParamValue, to out: inout String) {
        switch value {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d): out += d.isFinite ? d.description : "null"
        case let .string(s): writeString(s, to: &out)
        case let .array(items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                write(item, to: &out)
            }
            out += "]"
        case let .object(pairs):
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += "," }
                writeString(pair.key, to: &out)
                out += ":"
                write(pair.value, to: &out)
            }
            out += "}"
        }
    }

    /// Writes `s` as a quoted JSON string, escaping quotes, backslashes and control characters.
    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

/// A JSON syntax error: where it was found (a byte offset into the input) and what was wrong.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset into the input.
    public var offset: Int
    public var message: String

    public init(offset: Int, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

/// The iterative parser behind `JSON.parse`: an explicit stack of open containers
/// instead of recursion.
private struct JSONParser {
    /// One open array or object.
    struct Frame {
        var isObject: Bool
        var items: [ParamValue] = []
        var pairs: [(key: String, value: ParamValue)] = []
        var keys: Set<String> = []
        var key = ""
    }

    let bytes: [UInt8]
    let allowDuplicateKeys: Bool
    var pos = 0
    var stack: [Frame] = []

    init(bytes: [UInt8], allowDuplicateKeys: Bool) {
        self.bytes = bytes
        self.allowDuplicateKeys = allowDuplicateKeys
    }

    func error(_ message: String, at offset: Int? = nil) -> JSONError { JSONError(offset: offset ?? pos, message) }

    var atEnd: Bool { pos >= bytes.count }

    mutating func skipWhitespace() {
        while pos < bytes.count, bytes[pos] == 0x20 || bytes[pos] == 0x0A || bytes[pos] == 0x0D || bytes[pos] == 0x09 {
            pos += 1
        }
    }

    func describeCurrent() -> String {
        guard !atEnd else { return "end of input" }
        let b = bytes[pos]
        return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    mutating func parseDocument() throws(JSONError) -> ParamValue {
        skipWhitespace()
        readValue: while true {
            var value: ParamValue
            // Read a value, or open a container and go on to its first element.
            guard !atEnd else { throw error("unexpected end of input, expected a value") }
            let opensContainer = bytes[pos] == UInt8(ascii: "[") || bytes[pos] == UInt8(ascii: "{")
            if opensContainer, stack.count >= JSON.maxDepth {
                throw error("nesting deeper than \(JSON.maxDepth) levels")
            }
            switch bytes[pos] {
            case UInt8(ascii: "["):
                pos += 1
                skipWhitespace()
                if !atEnd, bytes[pos] == UInt8(ascii: "]") {
                    pos += 1
                    value = .array([])
                } else {
                    stack.append(Frame(isObject: false))
                    continue readValue
                }
            case UInt8(ascii: "{"):
                pos += 1
                skipWhitespace()
                if !atEnd, bytes[pos] == UInt8(ascii: "}") {
                    pos += 1
                    value = .object([])
                } else {
                    stack.append(Frame(isObject: true))
                    try readKey()
                    continue readValue
                }
            default:
                value = try parseScalar()
            }
            // Hand the finished value to the enclosing containers, closing those that end here.
            closeContainers: while true {
                guard !stack.isEmpty else {
                    skipWhitespace()
                    guard atEnd else { throw error("unexpected \(describeCurrent()) after the value") }
                    return value
                }
                let top = stack.count - 1
                if stack[top].isObject {
                    stack[top].pairs.append((stack[top].key, value))
                } else {
                    stack[top].items.append(value)
                }
                skipWhitespace()
                let close = stack[top].isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if !atEnd, bytes[pos] == UInt8(ascii: ",") {
                    pos += 1
                    skipWhitespace()
                    if stack[top].isObject { try readKey() }
                    break closeContainers
                } else if !atEnd, bytes[pos] == close {
                    pos += 1
                    let frame = stack.removeLast()
                    value = frame.isObject ? .object(frame.pairs) : .array(frame.items)
                } else {
                    let expected = stack[top].isObject ? "',' or '}'" : "',' or ']'"
                    throw error("expected \(expected), found \(describeCurrent())")
                }
            }
        }
    }

    /// Reads `"key" :` for the innermost (object) frame and leaves `pos` at its value.
    mutating func readKey() throws(JSONError) {
        let start = pos
        guard !atEnd, bytes[pos] == UInt8(ascii: "\"") else {
            throw error("expected a string key, found \(describeCurrent())")
        }
        let key = try parseString()
        let top = stack.count - 1
        if !allowDuplicateKeys {
            guard stack[top].keys.insert(key).inserted else { throw error("duplicate key \"\(key)\"", at: start) }
        }
        stack[top].key = key
        skipWhitespace()
        guard !atEnd, bytes[pos] == UInt8(ascii: ":") else {
            throw error("expected ':' after the key, found \(describeCurrent())")
        }
        pos += 1
        skipWhitespace()
    }

    mutating func parseScalar() throws(JSONError) -> ParamValue {
        switch bytes[pos] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected \(describeCurrent()), expected a value")
        }
    }

    mutating func literal(_ word: String) throws(JSONError) {
        let expected = Array(word.utf8)
        guard pos + expected.count <= bytes.count, bytes[pos..<(pos + expected.count)].elementsEqual(expected) else {
            throw error("invalid literal, expected '\(word)'")
        }
        pos += expected.count
    }

    mutating func parseNumber() throws(JSONError) -> ParamValue {
        let start = pos
        func digits() -> Int {
            let s = pos
            while pos < bytes.count, bytes[pos] >= UInt8(ascii: "0"), bytes[pos] <= UInt8(ascii: "9") { pos += 1 }
            return pos - s
        }
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        let intStart = pos
        let intDigits = digits()
        guard intDigits > 0 else { throw error("expected a digit after '-'") }
        guard intDigits == 1 || bytes[intStart] != UInt8(ascii: "0") else {
            throw error("leading zeros are not allowed", at: intStart)
        }
        var integral = true
        if !atEnd, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            integral = false
            guard digits() > 0 else { throw error("expected a digit after '.'") }
        }
        if !atEnd, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            integral = false
            if !atEnd, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard digits() > 0 else { throw error("expected a digit in the exponent") }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if integral, let i = Int(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { throw error("number \(text) is out of range", at: start) }
        return .double(d)
    }

    /// Parses a string starting at its opening quote; leaves `pos` after the closing quote.
    mutating func parseString() throws(JSONError) -> String {
        let start = pos
        pos += 1
        var out: [UInt8] = []
        while true {
            guard !atEnd else { throw error("unterminated string", at: start) }
            let b = bytes[pos]
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                guard let s = String(validating: out, as: UTF8.self) else {
                    throw error("string is not valid UTF-8", at: start)
                }
                return s
            case UInt8(ascii: "\\"):
                try parseEscape(into: &out)
            case 0..<0x20:
                throw error("control character 0x\(String(b, radix: 16)) must be escaped in a string")
            default:
                out.append(b)
                pos += 1
            }
        }
    }

    /// Parses one escape sequence at `pos` (the backslash) and appends its UTF-8 bytes.
    mutating func parseEscape(into out: inout [UInt8]) throws(JSONError) {
        let start = pos
        pos += 1
        guard !atEnd else { throw error("unterminated escape sequence", at: start) }
        let c = bytes[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(c)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var code = try hex4(escapeStart: start)
            if code >= 0xD800, code < 0xDC00 {
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                    throw error("unpaired high surrogate \\u\(String(code, radix: 16))", at: start)
                }
                let lowStart = pos
                pos += 2
                let low = try hex4(escapeStart: lowStart)
                guard low >= 0xDC00, low < 0xE000 else {
                    throw error("high surrogate not followed by a low surrogate", at: lowStart)
                }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if code >= 0xDC00, code < 0xE000 {
                throw error("unpaired low surrogate \\u\(String(code, radix: 16))", at: start)
            }
            guard let scalar = Unicode.Scalar(code) else { throw error("invalid code point", at: start) }
            out.append(contentsOf: String(Character(scalar)).utf8)
        default:
            throw error("invalid escape sequence", at: start)
        }
    }

    /// Reads the four hex digits of a \u escape at `pos`.
    mutating func hex4(escapeStart: Int) throws(JSONError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("incomplete \\u escape", at: escapeStart) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }
}
