/// A value type that `canopy plugins` can name in a parameter's documentation.
public protocol ParamTypeNamed {
    /// "number", "int", "bool", "string", "a | b | c", "list of ints".
    static var paramTypeName: String { get }
    /// Whether ranges apply to integers (shown as 1...16 rather than [1, 16]).
    static var paramIsInteger: Bool { get }
    /// Whether ranges apply to each element.
    static var paramIsList: Bool { get }
}

extension ParamTypeNamed {
    public static var paramIsInteger: Bool { false }
    public static var paramIsList: Bool { false }
}

extension Double: ParamTypeNamed { public static var paramTypeName: String { "number" } }
extension Float: ParamTypeNamed { public static var paramTypeName: String { "number" } }
extension Bool: ParamTypeNamed { public static var paramTypeName: String { "bool" } }
extension String: ParamTypeNamed { public static var paramTypeName: String { "string" } }

extension Int: ParamTypeNamed {
    public static var paramTypeName: String { "int" }
    public static var paramIsInteger: Bool { true }
}

extension Optional: ParamTypeNamed where Wrapped: ParamTypeNamed {
    public static var paramTypeName: String { Wrapped.paramTypeName }
    public static var paramIsInteger: Bool { Wrapped.paramIsInteger }
    public static var paramIsList: Bool { Wrapped.paramIsList }
}

extension Array: ParamTypeNamed where Element: ParamTypeNamed {
    public static var paramTypeName: String {
        let element = Element.paramTypeName
        return "list of " + (element.contains(" ") ? element : element + "s")
    }
    public static var paramIsInteger: Bool { Element.paramIsInteger }
    public static var paramIsList: Bool { true }
}
