/// One plugin parameter, declared once: its default is the property's initial value, its
/// spec key the property name in snake_case, and the wrapper adds the one-line doc and
/// the accepted range. `ParamDecoder` checks the range; `canopy plugins` and the docs
/// read name, type, default, range and doc from here.
///
///     @Param("softmax temperature T", .greaterThan(0)) public var temperature = 1.0
///
/// A `required` parameter has no default: a spec must give it (its initial value only
/// fills the instance `init()` makes). `type:` and `shownDefault:` replace the derived type or default text where a plain
/// rendering would say less ("tap name", "from variant" for a default computed later).
/// The wrapper encodes and decodes as its value alone.
@propertyWrapper
public struct Param<Value: Codable & Sendable>: Codable, Sendable {
    public var wrappedValue: Value
    /// What the parameter means, in one line.
    public let doc: String
    /// The values accepted: of the number itself, or of each element of a list.
    public let range: ParamRange?
    /// The type as documented, when not derived from `Value`.
    public let typeText: String?
    /// The default as documented, when not the initial value.
    public let shownDefault: String?
    /// Whether a spec must give the parameter.
    public let required: Bool

    public init(
        wrappedValue: Value, _ doc: String, _ range: ParamRange? = nil, type: String? = nil,
        shownDefault: String? = nil, required: Bool = false
    ) {
        self.required = required
        self.wrappedValue = wrappedValue
        self.doc = doc
        self.range = range
        typeText = type
        self.shownDefault = shownDefault
    }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try Value(from: decoder)
        (doc, range, typeText, shownDefault, required) = ("", nil, nil, nil, false)
    }

    public func encode(to encoder: any Encoder) throws { try wrappedValue.encode(to: encoder) }
}

extension Param: Equatable where Value: Equatable {
    public static func == (a: Param, b: Param) -> Bool { a.wrappedValue == b.wrappedValue }
}

/// A declared parameter of any value type, as `PluginParams` reflection finds it.
protocol ParamDeclaration {
    /// Whether a spec must give the parameter.
    var required: Bool { get }
    /// The documentation of the parameter under spec key `name`.
    func documentation(name: String) -> ParameterDoc
    /// Range violations of `given` (the same parameter of a decoded instance) at `path`.
    func violations(of given: Any, path: [String]) -> [ParamError]
}

extension Param: ParamDeclaration {
    /// `value` itself, or what an optional holds (nil when it holds nothing).
    static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first.map { unwrapped($0.value) } ?? nil
    }

    func documentation(name: String) -> ParameterDoc {
        let named = Value.self as? any ParamTypeNamed.Type
        var type = typeText ?? named?.paramTypeName ?? "value"
        if typeText == nil, let range {
            let integer = named?.paramIsInteger ?? false
            type += (named?.paramIsList ?? false ? ", each " : " ") + range.suffix(integer: integer, bare: named?.paramIsList ?? false)
        }
        let value = ParamEncoder.encode(wrappedValue)
        let shown = required ? nil : shownDefault ?? (value == .null ? "none" : ParamText.value(value))
        return ParameterDoc(name, type, default: shown, doc)
    }

    func violations(of given: Any, path: [String]) -> [ParamError] {
        guard let wrapped = (given as? Param<Value>)?.wrappedValue, let value = Self.unwrapped(wrapped) else { return [] }
        if let nested = value as? any PluginParams { return nested.rangeErrors(path: path) }
        guard let range else { return [] }
        let integer = (Value.self as? any ParamTypeNamed.Type)?.paramIsInteger ?? false
        func check(_ v: Any, _ at: [String]) -> ParamError? {
            let number: Double
            switch v {
            case let d as Double: number = d
            case let f as Float: number = Double(f)
            case let i as Int: number = Double(i)
            default: return nil
            }
            return range.contains(number) ? nil : ParamError(path: at, range.violation(found: "\(v)", integer: integer))
        }
        if let list = (value as? any ParamListValue)?.paramElements {
            return list.enumerated().compactMap { check($0.element, path + [String($0.offset)]) }
        }
        return check(value, path).map { [$0] } ?? []
    }
}

/// A parameter value that holds a list whose elements a range checks one by one.
protocol ParamListValue {
    /// The elements, in order.
    var paramElements: [Any] { get }
}

extension Array: ParamListValue {
    var paramElements: [Any] { self }
}

extension OneOrList: ParamListValue {
    var paramElements: [Any] { values }
}
