/// Batch normalisation of x [N, C, H, W] per channel over (N, H, W), PyTorch's BatchNorm2d.
///
/// Inputs x, weight [C], bias [C]; state running_mean [C], running_var [C]. Outputs y
/// like x, and saved_mean [C] and saved_invstd [C]: the mean and 1/sqrt(var + eps) that
/// normalised this call (batch statistics in training mode, running ones in evaluation
/// mode), kept as outputs so that they live until backward. The mode is the call's
/// `training` flag. Math: `BatchNormCore`.
public struct BatchNorm2d: Kernel {
    public typealias Params = BatchNormParams
    public static let name = "batchnorm2d"
    public static let summary = "batch normalisation of [N, C, H, W] per channel; outputs y, saved_mean, saved_invstd"
    public static let inputNames = ["x", "weight", "bias"]
    public static let stateNames = ["running_mean", "running_var"]
    public static let outputNames = ["y", "saved_mean", "saved_invstd"]

    let core: BatchNormCore
    public let outputs: [TensorSpec]
    public var state: [TensorSpec] { core.state }
    public var saved: SavedTensors { core.saved }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        core = try BatchNormCore(kernel: Self.name, inputs: inputs, ranks: 4...4, eps: params.eps, momentum: params.momentum, threads: threads)
        outputs = core.outputs(for: inputs[0])
    }

    public func forward(_ call: KernelCall) { core.forward(call) }
    public func backward(_ call: KernelCall) { core.backward(call) }
}
