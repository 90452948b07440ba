import Foundation

/// Logistic sigmoid, y = 1 / (1 + exp(-x)), elementwise over any shape (PyTorch's
/// `torch.sigmoid`). Backward from the saved output: dx += dy * y * (1 - y).
///
/// Stable for large |x|: with e = exp(-|x|) in (0, 1], y = 1 / (1 + e) for x >= 0 and
/// y = e / (1 + e) for x < 0, so exp never overflows and the negative tail keeps its
/// small values (sigmoid(-50) = 1.93e-22, sigmoid(-100) the subnormal 3.7e-44) instead
/// of 1 / inf. Limits: y(+inf) = 1, y(-inf) = 0; NaN propagates. Large tensors are
/// split over threads.
public struct Sigmoid: Kernel {
    /// No params.
    public struct Params: PluginParams { public init() {} }
    public static let name = "sigmoid"
    public static let summary = "y = 1 / (1 + exp(-x)), elementwise"
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: [0]) }
    private let plan: ChunkPlan

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .float32, "sigmoid needs float32 input x, got \(inputs[0])", input: 0)
        outputs = [inputs[0]]
        plan = ChunkPlan(work: inputs[0].shape.count, minimumWork: 1 << 14, threads: threads)
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        plan.run(call.inputs[0].count) { _, range in
            for i in range { y[i] = Self.value(x[i]) }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let y = call.outputs[0].f
        plan.run(call.outputs[0].count) { _, range in
            for i in range { gx[i] += gy[i] * (y[i] * (1 - y[i])) }
        }
    }

    /// sigmoid(x) through exp(-|x|), which lies in (0, 1] (or is NaN).
    @inline(__always)
    static func value(_ x: Float) -> Float {
        let e = exp(-abs(x))
        let s = 1 / (1 + e)
        return x >= 0 ? s : e * s
    }
}
