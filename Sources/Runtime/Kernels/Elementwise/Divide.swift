/// Elementwise quotient of two tensors of the same shape, y = a / b (CSS's CE-ratio
/// weights). Backward: da = dy / b, db = -dy * a / b^2.
public struct Divide: Kernel {
    /// No params.
    public struct Params: PluginParams { public init() {} }
    public static let name = "divide"
    public static let summary = "y = a / b, elementwise, same shapes"
    public static let inputNames = ["a", "b"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .float32, "divide needs float32 input a", input: 0)
        try KernelError.require(inputs[1] == inputs[0], "divide needs b of the same shape as a \(inputs[0]), got \(inputs[1])", input: 1)
        outputs = [inputs[0]]
    }

    public func forward(_ call: KernelCall) {
        let a = call.inputs[0].f, b = call.inputs[1].f, y = call.outputs[0].f
        for i in 0..<call.outputs[0].count { y[i] = a[i] / b[i] }
    }

    public func backward(_ call: KernelCall) {
        guard let gy = call.outputGrad(0)?.f else { return }
        let a = call.inputs[0].f, b = call.inputs[1].f, n = call.outputs[0].count
        if let ga = call.inputGrad(0)?.f { for i in 0..<n { ga[i] += gy[i] / b[i] } }
        if let gb = call.inputGrad(1)?.f { for i in 0..<n { gb[i] -= gy[i] * a[i] / (b[i] * b[i]) } }
    }
}
