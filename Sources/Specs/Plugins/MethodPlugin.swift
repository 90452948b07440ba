import CanopyRuntime

/// A method plugin: a whole OKD method as a spec macro. `method: {name: one, branches: 3}`
/// expands into the spec sections the method needs (`model.branches`, `model.nodes`,
/// `losses`, ...), written with the same keys a researcher could write by hand, and the
/// result is decoded and checked like any spec. Keys the spec already has win over the
/// expansion's, so every piece can be overridden; `canopy plan --dump method` prints
/// the expansion.
public protocol MethodPlugin: Sendable {
    /// The params type, decoded strictly from the `method:` mapping without `name`.
    associatedtype Params: Decodable & Sendable

    /// Registry name, e.g. "one".
    static var name: String { get }
    /// One line describing the method and its paper.
    static var summary: String { get }
    /// Every key of `Params`, with type, default and meaning.
    static var parameters: [ParameterDoc] { get }

    /// Validates `params`.
    init(params: Params) throws(ParamError)

    /// The spec sections this method adds, as a mapping node with top-level keys such
    /// as `model` and `losses` (every node marked `at`, the `method:` entry). `spec` is
    /// the document as written, for methods that read the backbone or dataset;
    /// `context` says what the spec's backbone plugin is like.
    func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node
}

extension MethodPlugin {
    /// Decodes `value` strictly and builds the method.
    public static func make(_ value: ParamValue) throws(ParamErrors) -> Self {
        let params = try ParamDecoder.decode(Params.self, from: value)
        do { return try Self(params: params) } catch { throw ParamErrors(errors: [error]) }
    }
}

/// What a method expansion knows about the spec beyond its text: the layer style of the
/// backbone plugin the spec names (`.convolutional` when it names none or an unknown one;
/// the compiler reports that separately).
public struct MethodContext: Sendable {
    /// The `layerStyle` of the spec's backbone plugin.
    public var backboneStyle: LayerStyle

    public init(backboneStyle: LayerStyle = .convolutional) { self.backboneStyle = backboneStyle }
}

extension MethodPlugin where Params: PluginParams {
    /// The `@Param` declarations of `Params`.
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
}
