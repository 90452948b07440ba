import CanopyRuntime

/// A loss plugin: a named scalar built from the values it is given. Most losses are
/// composite: `emit` adds a few primitive kernels (log_softmax, mul, sum, ...) to the
/// graph and the compiler derives their backward, so a new loss needs no gradient code.
/// A fused loss is a kernel plugin with a gradient check, wrapped by a one-node `emit`.
public protocol LossPlugin: Sendable {
    /// The params type, decoded strictly from the loss entry's `params:`.
    associatedtype Params: Decodable & Sendable

    /// Registry name, e.g. "kd_kl".
    static var name: String { get }
    /// One line describing the loss.
    static var summary: String { get }
    /// Every key of `Params`, with type, default and meaning.
    static var parameters: [ParameterDoc] { get }
    /// Names of the inputs the loss takes (the keys of a loss entry's `inputs:`).
    static var inputNames: [String] { get }
    /// Inputs that take a list: given as `branch[*].feature` on an entry WITHOUT
    /// `foreach`, such an input receives every branch's value (default: none).
    static var listInputs: [String] { get }
    /// Inputs an entry may leave out; they arrive as empty lists (default: none).
    static var optionalInputs: [String] { get }

    /// Validates `params`.
    init(params: Params) throws(ParamError)

    /// Emits the loss over `inputs` (in `inputNames` order) with node names under
    /// `name`; returns the [1] scalar value. Problems go to `b.error`.
    func emit(_ b: inout GraphBuilder, name: String, inputs: [ValueID]) -> ValueID

    /// Emits the loss over one list of values per input name: one value for an ordinary
    /// input, every branch's value for a list input, none for an optional input left out.
    /// The default passes each list's first value to `emit(_:name:inputs:)`.
    func emit(_ b: inout GraphBuilder, name: String, inputLists: [[ValueID]]) -> ValueID
}

extension LossPlugin {
    public static var listInputs: [String] { [] }
    public static var optionalInputs: [String] { [] }

    public func emit(_ b: inout GraphBuilder, name: String, inputLists: [[ValueID]]) -> ValueID {
        emit(&b, name: name, inputs: inputLists.map { $0[0] })
    }

    /// Decodes `value` strictly and builds the loss.
    public static func make(_ value: ParamValue) throws(ParamErrors) -> Self {
        let params = try ParamDecoder.decode(Params.self, from: value)
        do { return try Self(params: params) } catch { throw ParamErrors(errors: [error]) }
    }
}

extension LossPlugin where Params: PluginParams {
    /// The `@Param` declarations of `Params`.
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
}
