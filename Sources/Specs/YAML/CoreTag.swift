/// The explicit tags a spec may carry: the YAML core schema's `!!str`, `!!int`,
/// `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`, and the non-specific `!` (which
/// makes a scalar a string). Any other tag is an error: a spec is data, and no tag
/// ever constructs an object or runs code.
enum CoreTag: String {
    case str, int, float, bool, null, map, seq
    case nonSpecific = "!"

    private static let prefix = "tag:yaml.org,2002:"

    /// The tag named by libyaml's resolved tag string, or nil if it is not allowed.
    init?(resolved tag: String) {
        if tag == "!" {
            self = .nonSpecific
        } else if tag.hasPrefix(Self.prefix), let t = CoreTag(rawValue: String(tag.dropFirst(Self.prefix.count))),
            t != .nonSpecific
        {
            self = t
        } else {
            return nil
        }
    }

    /// How a resolved tag string is written in a spec: `!!int` for core tags.
    static func display(_ tag: String) -> String {
        tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }

    static let allowedList = "!!str, !!int, !!float, !!bool, !!null, !!map, !!seq"

    var appliesToScalars: Bool { self != .map && self != .seq }

    /// Types a scalar: plain untagged scalars by the core schema, quoted and block
    /// scalars as strings, tagged scalars by their tag. Numbers out of range and text
    /// that does not fit its tag are reported.
    static func scalar(
        text: String, style: Scalar.Style, tag: CoreTag?, at mark: SourceMark,
        diagnostics: DiagnosticEngine
    ) -> Scalar {
        let string = Scalar(text: text, style: style, value: .string)
        let resolution: CoreSchema.Resolution
        switch tag {
        case nil:
            guard style == .plain else { return string }
            resolution = CoreSchema.resolve(text)
        case .str?, .nonSpecific?, .map?, .seq?:
            return string
        case let t?:
            resolution = CoreSchema.resolve(text)
            let fits: Bool
            switch (t, resolution) {
            case (.int, .int), (.int, .intOverflow), (.float, .int), (.float, .double), (.float, .intOverflow),
                (.float, .doubleOverflow), (.bool, .bool), (.null, .null):
                fits = true
            default:
                fits = false
            }
            guard fits else {
                diagnostics.error("'\(text)' is not a valid !!\(t.rawValue)", at: mark)
                return string
            }
            if t == .float, case let .int(i) = resolution {
                return Scalar(text: text, style: style, value: .double(Double(i)))
            }
            if t == .float, case let .intOverflow(d) = resolution {
                return Scalar(text: text, style: style, value: .double(d))
            }
        }
        switch resolution {
        case .null: return Scalar(text: text, style: style, value: .null)
        case let .bool(b): return Scalar(text: text, style: style, value: .bool(b))
        case let .int(i): return Scalar(text: text, style: style, value: .int(i))
        case let .double(d): return Scalar(text: text, style: style, value: .double(d))
        case let .intOverflow(d):
            diagnostics.error("integer \(text) does not fit in 64 bits", at: mark)
            return Scalar(text: text, style: style, value: .double(d))
        case let .doubleOverflow(d):
            diagnostics.error("number \(text) is out of range (write .inf for infinity)", at: mark)
            return Scalar(text: text, style: style, value: .double(d))
        case .string:
            return string
        }
    }
}
