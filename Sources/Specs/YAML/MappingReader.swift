import CanopyRuntime

/// Reads one mapping of a spec strictly, for the schema layer:
///
///     let train = MappingReader(node, diagnostics)
///     let epochs = train.int("epochs", default: 10, range: 1...)
///     let temperature = train.double("temperature", default: 4, range: Bounds.above(0))
///     let name = train.string("name")            // required
///     train.finish()                             // unknown keys, with did-you-mean
///
/// Every accessor marks its key as known. A value of the wrong type is an error at the
/// value ("expected an integer, found a string 'abc'"), as is one out of range; a
/// missing required key is an error at the mapping; `finish()` reports each key no
/// accessor asked for at the key. Accessors never stop on a problem: they report it and
/// return the default (or nil), so one pass finds every problem. A null value counts
/// as absent; a null node read as a mapping is an empty mapping.
public final class MappingReader {
    public let node: Node
    public let diagnostics: DiagnosticEngine
    private let pairs: [Node.Pair]
    private var known: [String] = []

    public init(_ node: Node, _ diagnostics: DiagnosticEngine) {
        self.node = node
        self.diagnostics = diagnostics
        if let pairs = node.pairs {
            self.pairs = pairs
        } else {
            if !node.isNull { diagnostics.error("expected a mapping, found \(node.kindAndValue)", at: node.mark) }
            self.pairs = []
        }
    }

    /// Declares keys valid here that this reader does not read itself.
    public func allow(_ keys: String...) { keys.forEach(noteKnown) }

    /// Whether `key` is present with a non-null value.
    public func has(_ key: String) -> Bool { value(key).map { !$0.isNull } ?? false }

    /// The value node under `key`, whatever its type; nil when absent.
    public func value(_ key: String) -> Node? {
        noteKnown(key)
        return pairs.first { $0.name == key }?.value
    }

    // MARK: Integers

    /// An optional integer with a default.
    public func int(_ key: String, default fallback: Int, range: (any BoundsExpression<Int>)? = nil) -> Int {
        optionalInt(key, range: range) ?? fallback
    }

    /// A required integer; nil (with an error reported) when missing or invalid.
    public func int(_ key: String, range: (any BoundsExpression<Int>)? = nil) -> Int? {
        read(key, required: true, "an integer", \.int).flatMap { checked(key, $0, range) }
    }

    /// An integer that may be absent.
    public func optionalInt(_ key: String, range: (any BoundsExpression<Int>)? = nil) -> Int? {
        read(key, required: false, "an integer", \.int).flatMap { checked(key, $0, range) }
    }

    // MARK: Numbers

    /// An optional number (an integer is accepted) with a default.
    public func double(_ key: String, default fallback: Double, range: (any BoundsExpression<Double>)? = nil) -> Double {
        optionalDouble(key, range: range) ?? fallback
    }

    /// A required number; nil (with an error reported) when missing or invalid.
    public func double(_ key: String, range: (any BoundsExpression<Double>)? = nil) -> Double? {
        read(key, required: true, "a number", \.double).flatMap { checked(key, $0, range) }
    }

    /// A number that may be absent.
    public func optionalDouble(_ key: String, range: (any BoundsExpression<Double>)? = nil) -> Double? {
        read(key, required: false, "a number", \.double).flatMap { checked(key, $0, range) }
    }

    // MARK: Strings and booleans

    /// An optional string with a default.
    public func string(_ key: String, default fallback: String) -> String { optionalString(key) ?? fallback }

    /// A required string.
    public func string(_ key: String) -> String? { read(key, required: true, "a string", \.string) }

    /// A string that may be absent.
    public func optionalString(_ key: String) -> String? { read(key, required: false, "a string", \.string) }

    /// One of a fixed set of names; a misspelling gets a did-you-mean. With a default the
    /// key is optional.
    public func choice(_ key: String, from options: [String], default fallback: String? = nil, required: Bool? = nil) -> String? {
        guard let s = read(key, required: required ?? (fallback == nil), "a string", \.string) else { return fallback }
        guard options.contains(s) else {
            diagnostics.error(
                "'\(key)' must be one of \(options.joined(separator: ", ")), found '\(s)'"
                    + Suggestion.note(for: s, in: options), at: value(key)!.mark)
            return fallback
        }
        return s
    }

    /// An optional boolean with a default.
    public func bool(_ key: String, default fallback: Bool) -> Bool { optionalBool(key) ?? fallback }

    /// A required boolean.
    public func bool(_ key: String) -> Bool? { read(key, required: true, "a boolean", \.bool) }

    /// A boolean that may be absent.
    public func optionalBool(_ key: String) -> Bool? { read(key, required: false, "a boolean", \.bool) }

    // MARK: Collections

    /// A reader for the mapping under `key` (call its `finish()` too); nil when absent,
    /// null or not a mapping.
    public func mapping(_ key: String, required: Bool = false) -> MappingReader? {
        read(key, required: required, "a mapping") { $0.pairs != nil ? $0 : nil }.map { MappingReader($0, diagnostics) }
    }

    /// The items of the list under `key`; nil when absent, null or not a list.
    public func sequence(_ key: String, required: Bool = false) -> [Node]? {
        read(key, required: required, "a list", \.items)
    }

    // MARK: Finishing

    /// Reports every key that no accessor asked for.
    public func finish() {
        Self.reportUnknownKeys(in: pairs, known: known, diagnostics)
    }

    /// Reports each pair whose key is not in `known`, at the key, with a did-you-mean
    /// (or the list of valid keys when nothing is close).
    public static func reportUnknownKeys(in pairs: [Node.Pair], known: [String], _ diagnostics: DiagnosticEngine) {
        let valid = Set(known)
        for pair in pairs where !valid.contains(pair.name) {
            diagnostics.error(
                "unknown key '\(pair.name)'" + Suggestion.noteOrList(for: pair.name, in: known),
                at: pair.key.mark)
        }
    }

    // MARK: Helpers

    private func noteKnown(_ key: String) {
        if !known.contains(key) { known.append(key) }
    }

    private func read<T>(_ key: String, required: Bool, _ expected: String, _ convert: (Node) -> T?) -> T? {
        guard let v = value(key), !v.isNull || required else {
            if required { diagnostics.error("missing required key '\(key)'", at: node.mark) }
            return nil
        }
        guard let result = convert(v) else {
            diagnostics.error("expected \(expected), found \(v.kindAndValue)", at: v.mark)
            return nil
        }
        return result
    }

    private func checked<T: Comparable>(_ key: String, _ x: T, _ range: (any BoundsExpression<T>)?) -> T? {
        guard let bounds = range?.bounds, !bounds.contains(x) else { return x }
        diagnostics.error(
            "'\(key)' must be \(bounds.requirement), found \(value(key)!.text ?? "\(x)")",
            at: value(key)!.mark)
        return nil
    }
}
