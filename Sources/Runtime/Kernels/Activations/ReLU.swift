/// Rectified linear unit, y = max(x, 0), elementwise over any shape.
///
/// Both directions are branch-free loops (the mask is a select, which vectorizes),
/// split over threads for large tensors.
public struct ReLU: Kernel {
    /// No params.
    public struct Params: PluginParams { public init() {} }
    public static let name = "relu"
    public static let summary = "y = max(x, 0), elementwise"
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: [0]) }
    private let plan: ChunkPlan

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .float32, "relu needs float32 input", input: 0)
        outputs = [inputs[0]]
        plan = ChunkPlan(work: inputs[0].shape.count, minimumWork: 1 << 16, threads: threads)
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        plan.run(call.inputs[0].count) { _, range in
            for i in range { y[i] = max(x[i], 0) }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let y = call.outputs[0].f
        plan.run(call.outputs[0].count) { _, range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                let yv = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self)
                let gyv = UnsafeRawPointer(gy + i).loadUnaligned(as: SIMD8<Float>.self)
                var gxv = UnsafeRawPointer(gx + i).loadUnaligned(as: SIMD8<Float>.self)
                gxv += gyv.replacing(with: 0, where: yv .<= 0)
                UnsafeMutableRawPointer(gx + i).storeBytes(of: gxv, as: SIMD8<Float>.self)
                i += 8
            }
            while i < range.upperBound {
                gx[i] += y[i] > 0 ? gy[i] : 0
                i += 1
            }
        }
    }
}
