/// Rectified linear unit, y = max(x, 0), elementwise over any shape.
public struct ReLU: Kernel {
    public struct Params: Decodable, Sendable {}
    public static let name = "relu"
    public static let summary = "y = max(x, 0), elementwise"
    public static let parameters: [ParameterDoc] = []
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: [0]) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .float32, "relu needs float32 input", input: 0)
        outputs = [inputs[0]]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        for i in 0..<call.inputs[0].count { y[i] = max(x[i], 0) }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let y = call.outputs[0].f
        for i in 0..<call.outputs[0].count where y[i] > 0 { gx[i] += gy[i] }
    }
}
