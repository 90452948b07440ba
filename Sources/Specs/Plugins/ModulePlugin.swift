import CanopyRuntime

/// A module plugin: a piece of network a method adds next to the backbone (ONE's gate,
/// OKDDip's peer attention, T2B's one-layer branches and permeation concat, AHBF's
/// fusion), written in a spec under `model.nodes`. It emits its subgraph with its own
/// parameters (state_dict names under `prefix`) and returns named outputs, which
/// become values `<node>.<output>` (or `<node>[k].<output>` for a node with `count`).
public protocol ModulePlugin: Sendable {
    /// The params type, decoded strictly from the node's `params:`.
    associatedtype Params: Decodable & Sendable

    /// Registry name, e.g. "one_gate".
    static var name: String { get }
    /// One line describing the module.
    static var summary: String { get }
    /// Every key of `Params`, with type, default and meaning.
    static var parameters: [ParameterDoc] { get }
    /// Names of the inputs; an input given as `branch[*].logits` receives every branch's value.
    static var inputNames: [String] { get }
    /// Names of the outputs.
    static var outputNames: [String] { get }

    /// Validates `params`.
    init(params: Params) throws(ParamError)

    /// Emits instance `index` (0 for a node without `count`) of the module with
    /// parameter names under `prefix` ("gate." or "branch.1."); `inputs` holds one list
    /// of values per input name; `classes` is the dataset's class count. Returns every
    /// output by name; problems go to `b.error`.
    func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID]
}

extension ModulePlugin {
    /// Decodes `value` strictly and builds the module.
    public static func make(_ value: ParamValue) throws(ParamErrors) -> Self {
        let params = try ParamDecoder.decode(Params.self, from: value)
        do { return try Self(params: params) } catch { throw ParamErrors(errors: [error]) }
    }
}

extension ModulePlugin where Params: PluginParams {
    /// The `@Param` declarations of `Params`.
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
}
