/// A kernel plugin: one operation with its forward and backward, e.g. conv2d.
///
/// A kernel value is created once, when a plan is compiled, from strictly decoded
/// params and the specs of its inputs; it validates them and fixes its outputs, its
/// persistent state and its workspace. At run time the executor calls `forward` and
/// `backward` with a prepared `KernelCall`; neither allocates.
///
/// Inputs are positional and named by `inputNames` (parameters such as a conv weight
/// are inputs like activations). Trailing inputs listed in `optionalInputs` may be
/// left out (a conv without bias). `backward` ADDS (+=) into each requested input
/// gradient, so values with several consumers need no extra copies.
public protocol Kernel: Sendable {
    /// The params type, decoded strictly by `ParamDecoder`.
    associatedtype Params: Decodable & Sendable

    /// Registry name, e.g. "conv2d".
    static var name: String { get }
    /// One line describing the operation.
    static var summary: String { get }
    /// Every key of `Params`, with type, default and meaning (read from the `@Param`
    /// declarations of a `PluginParams` type).
    static var parameters: [ParameterDoc] { get }
    /// Names of the inputs in order ("x", "weight", "bias").
    static var inputNames: [String] { get }
    /// How many trailing inputs may be omitted (default 0).
    static var optionalInputs: Int { get }
    /// Names of the persistent state tensors (e.g. BatchNorm running statistics).
    static var stateNames: [String] { get }
    /// Names of the outputs in order.
    static var outputNames: [String] { get }

    /// Validates `params` against the input specs; throws a `KernelError` for a
    /// mismatch, naming the input at fault. A kernel whose work does not split over
    /// threads implements this one.
    init(params: Params, inputs: [TensorSpec]) throws(KernelError)

    /// The same, for a plan that runs on `threads` threads: a kernel that splits its work
    /// (and sizes per-thread scratch) implements this one instead and keeps the count.
    /// The compiler always builds kernels through it; each initializer defaults to the
    /// other (the plain one as `threads: 1`), so a kernel implements exactly one of them.
    init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError)

    /// Output specs, fixed at init.
    var outputs: [TensorSpec] { get }
    /// Persistent state specs (same order as `stateNames`).
    var state: [TensorSpec] { get }
    /// The value each state tensor starts at (BatchNorm: mean 0, variance 1).
    var stateFill: [Float] { get }
    /// Scratch bytes needed by forward and by backward (the larger of the two).
    var workspaceBytes: Int { get }
    /// Which inputs and outputs `backward` reads, so the memory planner can free the rest.
    var saved: SavedTensors { get }
    /// Multiply-accumulates of one forward call (conv, linear and attention products;
    /// norms, activations and pooling count 0, as fvcore and the papers count).
    var macs: Int { get }
    /// The algorithm this instance runs, when the kernel has several (conv2d: im2col,
    /// winograd, depthwiseDirect); `canopy plan --dump schedule` prints it.
    var algorithm: String? { get }

    /// Computes outputs (and updates state in training mode).
    func forward(_ call: KernelCall)
    /// Adds the gradient of each requested input (non-nil `inputGrads`) given the output gradients.
    func backward(_ call: KernelCall)
}

extension Kernel {
    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        try self.init(params: params, inputs: inputs)
    }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        try self.init(params: params, inputs: inputs, threads: 1)
    }

    public static var optionalInputs: Int { 0 }
    public static var stateNames: [String] { [] }
    public static var outputNames: [String] { ["y"] }
    public var state: [TensorSpec] { [] }
    public var stateFill: [Float] { state.map { _ in 0 } }
    public var workspaceBytes: Int { 0 }
    public var saved: SavedTensors { .all }
    public var algorithm: String? { nil }
    public var macs: Int { 0 }
}

extension Kernel where Params: PluginParams {
    /// The `@Param` declarations of `Params`.
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
}

/// The inputs and outputs a kernel's backward reads.
public struct SavedTensors: Sendable, Equatable {
    public var inputs: Set<Int>?
    public var outputs: Set<Int>?
    /// Everything (nil means all): the safe default.
    public static let all = SavedTensors(inputs: nil, outputs: nil)
    public init(inputs: Set<Int>?, outputs: Set<Int>?) {
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// The memory a kernel works on for one call. Built once per plan step, reused each step.
public struct KernelCall: @unchecked Sendable {
    public var inputs: [Tensor]
    public var outputs: [Tensor]
    public var state: [Tensor]
    /// Gradients to accumulate into, one per input; nil where no gradient is needed.
    public var inputGrads: [Tensor?]
    /// Upstream gradients, one per output; nil where the output does not reach a loss.
    public var outputGrads: [Tensor?]
    /// Scratch memory of at least `workspaceBytes`, 64-byte aligned.
    public var workspace: UnsafeMutableRawPointer?
    /// Training mode (batch statistics, dropout) or evaluation mode.
    public var training: Bool

    public init(
        inputs: [Tensor], outputs: [Tensor], state: [Tensor] = [], inputGrads: [Tensor?] = [],
        outputGrads: [Tensor?] = [], workspace: UnsafeMutableRawPointer? = nil, training: Bool = true
    ) {
        self.inputs = inputs
        self.outputs = outputs
        self.state = state
        self.inputGrads = inputGrads
        self.outputGrads = outputGrads
        self.workspace = workspace
        self.training = training
    }

    /// The gradient buffer of input `i`, if requested.
    @inlinable public func inputGrad(_ i: Int) -> Tensor? { i < inputGrads.count ? inputGrads[i] : nil }
    /// The upstream gradient of output `i`, if any.
    @inlinable public func outputGrad(_ i: Int) -> Tensor? { i < outputGrads.count ? outputGrads[i] : nil }
    /// The workspace as floats.
    @inlinable public var scratch: UnsafeMutablePointer<Float> { workspace!.assumingMemoryBound(to: Float.self) }
}

/// An invalid kernel configuration, found when a plan is compiled.
public struct KernelError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// The input at fault, when one is.
    public var input: Int?

    public init(_ message: String, input: Int? = nil) {
        self.message = message
        self.input = input
    }

    public var description: String { message }

    /// Throws unless `condition` holds.
    public static func require(_ condition: Bool, _ message: @autoclosure () -> String, input: Int? = nil) throws(KernelError) {
        if !condition { throw KernelError(message(), input: input) }
    }
}
