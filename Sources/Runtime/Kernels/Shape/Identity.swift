/// y = x. With its input edge marked detached in the graph it is a stop-gradient
/// (`detach:` in a spec); otherwise it passes the gradient through unchanged.
public struct Identity: Kernel {
    /// No params.
    public struct Params: PluginParams { public init() {} }
    public static let name = "identity"
    public static let summary = "y = x (a stop-gradient when its input edge is detached)"
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        outputs = [inputs[0]]
    }

    public func forward(_ call: KernelCall) {
        call.outputs[0].base.copyMemory(from: call.inputs[0].base, byteCount: call.inputs[0].spec.byteCount)
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        for i in 0..<call.inputs[0].count { gx[i] += gy[i] }
    }
}
