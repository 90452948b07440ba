/// Global average pooling: the mean of each channel plane of NCHW input.
///
/// No params. Input `x` [N, C, H, W]; output `y` [N, C]. Sums are accumulated in Double.
public struct GlobalAvgPool: Kernel {
    public struct Params: Decodable, Sendable {}
    public static let name = "global_avgpool"
    public static let summary = "mean over H and W of NCHW input, giving [N, C]"
    public static let parameters: [ParameterDoc] = []
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    private let planes: Int
    private let planeSize: Int
    private let plan: ChunkPlan

    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank == 4,
            "global_avgpool: input x must be float32 [N, C, H, W], got \(x)", input: 0)
        try KernelError.require(x.shape.count(from: 2) > 0, "global_avgpool: input x has an empty plane, got \(x)", input: 0)
        planes = x.shape[0] * x.shape[1]
        planeSize = x.shape.count(from: 2)
        plan = ChunkPlan(work: x.shape.count, minimumWork: 1 << 16, threads: threads)
        outputs = [TensorSpec([x.shape[0], x.shape[1]])]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f, size = planeSize
        plan.run(planes) { _, range in
            for plane in range {
                let xp = x + plane * size
                var sum = 0.0
                for i in 0..<size { sum += Double(xp[i]) }
                y[plane] = Float(sum / Double(size))
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let dx = call.inputGrad(0)?.f, let dy = call.outputGrad(0)?.f else { return }
        let size = planeSize
        plan.run(planes) { _, range in
            for plane in range {
                let g = dy[plane] / Float(size), dxp = dx + plane * size
                for i in 0..<size { dxp[i] += g }
            }
        }
    }
}
