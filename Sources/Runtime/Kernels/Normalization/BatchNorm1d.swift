/// Batch normalisation of x [N, C] (or [N, C, L]) per channel over N (and L), PyTorch's
/// BatchNorm1d; used by the gates of ONE and AHBF.
///
/// Inputs x, weight [C], bias [C]; state running_mean [C], running_var [C]. Outputs y
/// like x, and saved_mean [C] and saved_invstd [C], the statistics that normalised this
/// call, kept for backward. The mode is the call's `training` flag. Math: `BatchNormCore`.
public struct BatchNorm1d: Kernel {
    public typealias Params = BatchNormParams
    public static let name = "batchnorm1d"
    public static let summary = "batch normalisation of [N, C] or [N, C, L] per channel; outputs y, saved_mean, saved_invstd"
    public static let inputNames = ["x", "weight", "bias"]
    public static let stateNames = ["running_mean", "running_var"]
    public static let outputNames = ["y", "saved_mean", "saved_invstd"]

    let core: BatchNormCore
    public let outputs: [TensorSpec]
    public var state: [TensorSpec] { core.state }
    public var saved: SavedTensors { core.saved }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        core = try BatchNormCore(kernel: Self.name, inputs: inputs, ranks: 2...3, eps: params.eps, momentum: params.momentum, threads: threads)
        outputs = core.outputs(for: inputs[0])
    }

    public func forward(_ call: KernelCall) { core.forward(call) }
    public func backward(_ call: KernelCall) { core.backward(call) }
}
