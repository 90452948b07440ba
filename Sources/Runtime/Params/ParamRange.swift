/// The values a numeric parameter accepts, stated once in its `@Param` declaration:
/// `ParamDecoder` checks it (an out-of-range value is an error at the key's spec
/// position) and `canopy plugins` shows it after the type ("number > 0", "int in 1...16").
/// Non-finite numbers are outside every range.
public struct ParamRange: Sendable, Equatable {
    enum Bound: Sendable, Equatable {
        case greaterThan(Double)
        case atLeast(Double)
        case closed(Double, Double)
        case halfOpen(Double, Double)
    }

    let bound: Bound

    /// Values strictly greater than `x`.
    public static func greaterThan(_ x: Double) -> ParamRange { ParamRange(bound: .greaterThan(x)) }
    /// Values at least `x`.
    public static func atLeast(_ x: Double) -> ParamRange { ParamRange(bound: .atLeast(x)) }
    /// Values from `a` to `b`, both included.
    public static func between(_ a: Double, _ b: Double) -> ParamRange { ParamRange(bound: .closed(a, b)) }
    /// Values from `a` (included) to `b` (excluded).
    public static func from(_ a: Double, below b: Double) -> ParamRange { ParamRange(bound: .halfOpen(a, b)) }

    /// Whether `v` is finite and inside the range.
    public func contains(_ v: Double) -> Bool {
        guard v.isFinite else { return false }
        switch bound {
        case let .greaterThan(x): return v > x
        case let .atLeast(x): return v >= x
        case let .closed(a, b): return v >= a && v <= b
        case let .halfOpen(a, b): return v >= a && v < b
        }
    }

    /// The message for a value outside the range, shown as `found`.
    public func violation(found: String, integer: Bool) -> String {
        switch bound {
        case let .greaterThan(x): return "must be greater than \(Self.text(x)), found \(found)"
        case let .atLeast(x): return "must be at least \(Self.text(x)), found \(found)"
        case let .closed(a, b) where integer: return "must be between \(Self.text(a)) and \(Self.text(b)), found \(found)"
        case .closed, .halfOpen: return "must be in \(interval(integer: false)), found \(found)"
        }
    }

    /// The range after a type name: "> 0", ">= 1", "in 1...16", "in [0, 1)"; `bare`
    /// leaves out the "in" of an integer range ("each 1...4096", but "each in [0, 1)").
    public func suffix(integer: Bool, bare: Bool = false) -> String {
        switch bound {
        case let .greaterThan(x): return "> \(Self.text(x))"
        case let .atLeast(x): return ">= \(Self.text(x))"
        case .closed, .halfOpen: return (bare && integer ? "" : "in ") + interval(integer: integer)
        }
    }

    private func interval(integer: Bool) -> String {
        switch bound {
        case let .closed(a, b): return integer ? "\(Self.text(a))...\(Self.text(b))" : "[\(Self.text(a)), \(Self.text(b))]"
        case let .halfOpen(a, b): return integer ? "\(Self.text(a))..<\(Self.text(b))" : "[\(Self.text(a)), \(Self.text(b)))"
        case .greaterThan, .atLeast: return suffix(integer: integer)
        }
    }

    /// A bound as a spec would write it: 0, 1e-7, 0.5.
    static func text(_ x: Double) -> String { ParamText.number(x) }
}

/// Spec-style text of param values, for documentation.
enum ParamText {
    /// `x` as a spec writes it: integral values without ".0", exponents without padding (1e-7).
    static func number(_ x: Double) -> String {
        if x.rounded() == x && abs(x) < 1e15 { return String(Int(x)) }
        var s = "\(x)"
        if let e = s.firstIndex(of: "e") {
            var exponent = String(s[s.index(after: e)...])
            let sign = exponent.hasPrefix("-") ? "-" : ""
            exponent = String(exponent.drop(while: { $0 == "-" || $0 == "+" || $0 == "0" }))
            s = String(s[..<e]) + "e" + sign + exponent
        }
        return s
    }

    /// `value` as a spec writes it, for a default shown by `canopy plugins`.
    static func value(_ value: ParamValue) -> String {
        switch value {
        case .null: return "none"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return number(d)
        case let .string(s): return s
        case let .array(items): return "[" + items.map(Self.value).joined(separator: ", ") + "]"
        case let .object(pairs): return "{" + pairs.map { "\($0.key): \(Self.value($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}
