/// Params whose defaults are the initial values of their stored properties: `init()`
/// gives them, and `ParamDecoder` fills every key a spec leaves out from it, so the
/// type needs no `CodingKeys` and no hand-written `init(from:)`. Each property declared
/// with `@Param` carries its doc and range, which `ParamDecoder` checks and
/// `parameterDocs` lists:
///
///     public struct Params: PluginParams {
///         @Param("softmax temperature T", .greaterThan(0)) public var temperature = 1.0
///         @Param("added to the teacher probabilities", .atLeast(0)) public var teacherEps = 0.0
///         public init() {}
///     }
public protocol PluginParams: Codable, Sendable {
    init()

    /// Sets, once a spec is decoded, the parameters whose default is another parameter's
    /// value (a pooling stride that defaults to its kernel: declared optional with
    /// `shownDefault: "kernel"` and filled here). Does nothing by default.
    mutating func fillDerivedDefaults()
}

extension PluginParams {
    public mutating func fillDerivedDefaults() {}

    /// Every `@Param` of the type in declaration order, as `canopy plugins` lists them.
    public static var parameterDocs: [ParameterDoc] {
        Mirror(reflecting: Self()).children.compactMap { child in
            guard let label = child.label, let declared = child.value as? any ParamDeclaration else { return nil }
            return declared.documentation(name: ParamDecoder.specKey(String(label.dropFirst())))
        }
    }

    /// The spec keys of the `required` parameters.
    static var requiredKeys: [String] {
        Mirror(reflecting: Self()).children.compactMap { child in
            guard let label = child.label, let declared = child.value as? any ParamDeclaration, declared.required else { return nil }
            return ParamDecoder.specKey(String(label.dropFirst()))
        }
    }

    /// The declared ranges this instance violates, each at its key under `path` (a nested
    /// params value is checked against its own declarations).
    func rangeErrors(path: [String]) -> [ParamError] {
        zip(Mirror(reflecting: Self()).children, Mirror(reflecting: self).children).flatMap { declared, given -> [ParamError] in
            guard let label = declared.label else { return [] }
            if let declaration = declared.value as? any ParamDeclaration {
                return declaration.violations(of: given.value, path: path + [ParamDecoder.specKey(String(label.dropFirst()))])
            }
            return (given.value as? any PluginParams)?.rangeErrors(path: path + [ParamDecoder.specKey(label)]) ?? []
        }
    }
}
