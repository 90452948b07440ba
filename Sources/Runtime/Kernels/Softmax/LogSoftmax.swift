import Foundation

/// Log-softmax over the last dimension: y = log softmax(x / T) for x of shape [..., C].
///
/// Computed as x / T - max - log(sum exp(x / T - max)) with the sum in Double.
/// Backward: dx = (dy - softmax * sum(dy)) / T, where softmax = exp(y) comes from the
/// saved output. Rows are split over threads when the tensor is large.
public struct LogSoftmax: Kernel {
    public typealias Params = SoftmaxParams
    public static let name = "log_softmax"
    public static let summary = "y = log softmax(x / T) over the last dimension"
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: [0]) }
    let scale: Float
    let rows: Int
    let columns: Int
    let plan: ChunkPlan

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        outputs = [try params.validate(inputs, kernel: Self.name)]
        scale = 1 / params.temperature
        columns = inputs[0].shape[-1]
        rows = inputs[0].shape.count / columns
        plan = ChunkPlan(work: rows * columns, minimumWork: RowSoftmax.parallelElements, threads: threads)
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        let n = columns, scale = scale
        plan.run(rows) { _, range in
            for r in range { RowSoftmax.logSoftmax(x + r * n, into: y + r * n, count: n, scale: scale) }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let y = call.outputs[0].f
        let n = columns, scale = scale
        plan.run(rows) { _, range in
            for r in range {
                let yr = y + r * n, gyr = gy + r * n, gxr = gx + r * n
                var total = 0.0
                for j in 0..<n { total += Double(gyr[j]) }
                let s = Float(total)
                for j in 0..<n { gxr[j] += (gyr[j] - exp(yr[j]) * s) * scale }
            }
        }
    }
}
