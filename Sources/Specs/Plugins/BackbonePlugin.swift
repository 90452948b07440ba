import CanopyRuntime

/// A backbone plugin: a network template that emits its subgraph through a
/// `GraphBuilder` and names its taps (stem, stage1, ..., feature, logits), so branch
/// points, losses and metrics refer to values by name.
///
/// The trunk is emitted up to a branch point; each peer branch is a copy of the rest
/// of the network, emitted under a parameter-name prefix (`branch.0.`), so a peer
/// owns its last stages and head exactly as ONE/OKDDip build them.
public protocol BackbonePlugin: Sendable {
    /// The params type, decoded strictly from the spec's `backbone:` mapping without `name`.
    associatedtype Params: Decodable & Sendable

    /// Registry name, e.g. "resnet_cifar".
    static var name: String { get }
    /// One line describing the network.
    static var summary: String { get }
    /// Every key of `Params`, with type, default and meaning.
    static var parameters: [ParameterDoc] { get }
    /// The family's layer conventions (`.convolutional` unless the plugin says otherwise).
    static var layerStyle: LayerStyle { get }

    /// Validates `params` for inputs of `input` shape ([C, H, W] per sample) and `classes` outputs.
    init(params: Params, input: Shape, classes: Int) throws(ParamError)

    /// Every tap, in network order; the last is "logits".
    var taps: [String] { get }
    /// Taps after which peer branches may fork.
    var branchPoints: [String] { get }
    /// Emits the network from `input` up to and including tap `until` (the whole
    /// network when nil), with its own parameter names; returns the taps emitted.
    func emitTrunk(_ b: inout GraphBuilder, input: ValueID, until: String?) -> [String: ValueID]
    /// Emits the part of the network after tap `after`, fed by `from`, with parameter
    /// names under `prefix`, its last stage `extraBlocks` blocks deeper than the
    /// backbone's (AHBF's branches of growing depth; 0 for an exact copy); returns the
    /// taps emitted.
    func emitBranch(_ b: inout GraphBuilder, from: ValueID, after: String, prefix: String, extraBlocks: Int) -> [String: ValueID]
}

extension BackbonePlugin {
    public static var layerStyle: LayerStyle { .convolutional }

    /// Emits an exact copy of the part of the network after tap `after`.
    public func emitBranch(_ b: inout GraphBuilder, from: ValueID, after: String, prefix: String) -> [String: ValueID] {
        emitBranch(&b, from: from, after: after, prefix: prefix, extraBlocks: 0)
    }

    /// Decodes `value` strictly and builds the backbone.
    public static func make(_ value: ParamValue, input: Shape, classes: Int) throws(ParamErrors) -> Self {
        let params = try ParamDecoder.decode(Params.self, from: value)
        do { return try Self(params: params, input: input, classes: classes) } catch { throw ParamErrors(errors: [error]) }
    }
}

extension BackbonePlugin where Params: PluginParams {
    /// The `@Param` declarations of `Params`.
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
}
