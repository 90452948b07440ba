/// A YAML scalar: its text, how it was written, and its typed value.
///
/// Only plain (unquoted) scalars are typed by the YAML 1.2 core schema; a quoted or
/// block scalar is always a string, so `"1"` stays the string "1". An explicit core
/// tag (`!!int 1`, `!!str 1`) overrides both.
public struct Scalar: Sendable, Hashable {
    /// How a scalar was written in the source.
    public enum Style: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// A scalar's typed value; the text of a string is `Scalar.text`.
    public enum Value: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string
    }

    public var text: String
    public var style: Style
    public var value: Value

    public init(text: String, style: Style, value: Value) {
        self.text = text
        self.style = style
        self.value = value
    }

    /// A plain scalar typed by the core schema. An integer too large for 64 bits becomes
    /// its nearest double and a number beyond the double range an infinity; the parser
    /// reports both as errors.
    public init(plain text: String) {
        self.text = text
        self.style = .plain
        switch CoreSchema.resolve(text) {
        case .null: value = .null
        case let .bool(b): value = .bool(b)
        case let .int(i): value = .int(i)
        case let .double(d), let .intOverflow(d), let .doubleOverflow(d): value = .double(d)
        case .string: value = .string
        }
    }

    /// A string scalar written in double quotes.
    public init(string text: String) {
        self.init(text: text, style: .doubleQuoted, value: .string)
    }
}
