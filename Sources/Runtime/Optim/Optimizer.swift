/// An optimizer plugin: updates every trainable parameter in place from its gradient.
///
/// Parameters live in one contiguous float buffer and their gradients in another
/// with the same layout (`FlatParameters`); the optimizer's per-element state (SGD's
/// momentum buffer, AdamW's moments) lives in buffers of the same size and layout,
/// owned by the caller and zero-initialised (`OptimizerState`), together with the
/// number of steps taken. `step` never allocates; above `Parallel`'s threshold it
/// splits the elementwise update into chunks, so results do not depend on threads.
///
/// Every element is updated at every step: a parameter that does not train is left
/// out of the flat buffer, not given a zero gradient (a zero gradient still moves it
/// through weight decay and momentum, exactly as PyTorch would).
///
/// Params are decoded strictly from the spec's `optimizer:` mapping without its
/// `name` key (`{name: sgd, lr: 0.1, momentum: 0.9}` decodes `{lr: 0.1, momentum: 0.9}`
/// for the optimizer registered as "sgd").
public protocol Optimizer: Sendable {
    /// The params type, decoded strictly by `ParamDecoder`.
    associatedtype Params: Decodable & Sendable

    /// Registry name, e.g. "sgd".
    static var name: String { get }
    /// One line describing the update rule.
    static var summary: String { get }
    /// Every key of `Params`, with type, default and meaning.
    static var parameters: [ParameterDoc] { get }

    /// Validates `params`; a bad value throws a `ParamError` whose path names its key.
    init(params: Params) throws(ParamError)

    /// The base learning rate (the `lr` param), which a schedule scales over training.
    var learningRate: Double { get }
    /// Which parameters weight decay applies to (see `WeightDecayScope.scales(for:)`).
    var weightDecayScope: WeightDecayScope { get }
    /// Names of the per-element state buffers this configuration needs, in the order
    /// `OptimizerState.buffers` must hold them.
    var stateNames: [String] { get }

    /// One update at learning rate `lr`; increments `state.steps`.
    func step(_ parameters: FlatParameters, state: inout OptimizerState, lr: Double)
}

extension Optimizer {
    /// Decodes `value` strictly into `Params` and validates it.
    public static func make(_ value: ParamValue) throws(ParamErrors) -> Self {
        let params = try ParamDecoder.decode(Params.self, from: value)
        do { return try Self(params: params) } catch { throw ParamErrors(errors: [error]) }
    }
}

/// The parameters an optimizer updates: values and gradients in two buffers of the
/// same layout, and an optional per-element weight-decay factor.
public struct FlatParameters: @unchecked Sendable {
    /// Parameter values, updated in place.
    public var values: UnsafeMutablePointer<Float>
    /// Gradients, read only.
    public var grads: UnsafePointer<Float>
    /// Number of elements in each buffer.
    public var count: Int
    /// Per-element multiplier of the weight decay, same layout (0 exempts an element,
    /// 1 applies the optimizer's `weight_decay` in full); nil applies it to every element.
    /// `WeightDecayScope.scales(for:)` builds it.
    public var decayScale: UnsafePointer<Float>?
    /// Threads the update may split over (the plan's thread count).
    public var threads: Int

    public init(
        values: UnsafeMutablePointer<Float>, grads: UnsafePointer<Float>, count: Int,
        decayScale: UnsafePointer<Float>? = nil, threads: Int = 1
    ) {
        self.values = values
        self.grads = grads
        self.count = count
        self.decayScale = decayScale
        self.threads = max(1, threads)
    }
}

/// An optimizer's state: per-element buffers laid out like the parameters, and the
/// number of steps taken (PyTorch's `state['step']`). Both belong in a checkpoint.
public struct OptimizerState: @unchecked Sendable {
    /// One buffer of `count` floats per entry of the optimizer's `stateNames`,
    /// zero-initialised before the first step.
    public var buffers: [UnsafeMutablePointer<Float>]
    /// Steps taken so far.
    public var steps: Int

    public init(buffers: [UnsafeMutablePointer<Float>], steps: Int = 0) {
        self.buffers = buffers
        self.steps = steps
    }
}

/// Runs an elementwise update over `0..<count`, split across `threads` chunks when the
/// buffer is large enough to pay for it (elements are independent: any split gives the
/// same result).
@inlinable
func elementwise(_ count: Int, threads: Int, _ body: (Range<Int>) -> Void) {
    if count < 1 << 16 {
        body(0..<count)
    } else {
        Parallel.chunks(count, threads: threads) { _, range in body(range) }
    }
}

extension Optimizer where Params: PluginParams {
    /// The `@Param` declarations of `Params`.
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
}
