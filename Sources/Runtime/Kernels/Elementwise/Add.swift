/// Elementwise sum of two tensors of the same shape, y = a + b. Backward adds dy to the
/// gradient of each input (a residual connection is `add`).
public struct Add: Kernel {
    /// No params.
    public struct Params: PluginParams { public init() {} }
    public static let name = "add"
    public static let summary = "y = a + b, elementwise, same shapes"
    public static let inputNames = ["a", "b"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .float32, "add needs float32 input a", input: 0)
        try KernelError.require(inputs[1] == inputs[0], "add needs b of the same shape as a \(inputs[0]), got \(inputs[1])", input: 1)
        outputs = [inputs[0]]
    }

    public func forward(_ call: KernelCall) {
        let a = call.inputs[0].f, b = call.inputs[1].f, y = call.outputs[0].f
        for i in 0..<call.outputs[0].count { y[i] = a[i] + b[i] }
    }

    public func backward(_ call: KernelCall) {
        guard let gy = call.outputGrad(0)?.f else { return }
        let n = call.outputs[0].count
        for k in 0..<2 {
            guard let g = call.inputGrad(k)?.f else { continue }
            for i in 0..<n { g[i] += gy[i] }
        }
    }
}
