/// Softmax over the last dimension: y = softmax(x / T) for x of shape [..., C].
///
/// Each row is shifted by its maximum before exponentiating and its sum is accumulated
/// in Double. Backward: dx = y * (dy - sum(dy * y)) / T, from the saved output only.
/// Rows are split over threads when the tensor is large.
public struct Softmax: Kernel {
    public typealias Params = SoftmaxParams
    public static let name = "softmax"
    public static let summary = "y = softmax(x / T) over the last dimension"
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
            for r in range { RowSoftmax.softmax(x + r * n, into: y + r * n, count: n, scale: scale) }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let y = call.outputs[0].f
        let n = columns, scale = scale
        plan.run(rows) { _, range in
            for r in range {
                let yr = y + r * n, gyr = gy + r * n, gxr = gx + r * n
                var dot = 0.0
                for j in 0..<n { dot += Double(gyr[j]) * Double(yr[j]) }
                let d = Float(dot)
                for j in 0..<n { gxr[j] += yr[j] * (gyr[j] - d) * scale }
            }
        }
    }
}
