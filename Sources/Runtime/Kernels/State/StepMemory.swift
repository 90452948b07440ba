/// Step state: a persistent buffer `memory` (the shape of x, zero at the start) that
/// carries a value from one training step to the next. Forward outputs y = the memory as
/// the previous training step left it, then (training mode only) stores x for the next
/// step; evaluation reads without writing. No gradient flows: y is a stored constant and
/// x is only copied. The buffer is a state tensor (`<node>.memory`), so checkpoints save
/// it and `--resume` continues from it exactly; plans must use one batch size for every
/// step (`data.drop_last: true`), since row b of y belongs to the previous batch.
public struct StepMemory: Kernel {
    /// No params.
    public struct Params: PluginParams { public init() {} }
    public static let name = "step_memory"
    public static let summary = "y = the x of the previous training step (a persistent buffer `memory`, saved in checkpoints; no gradient)"
    public static let inputNames = ["x"]
    public static let stateNames = ["memory"]

    public let outputs: [TensorSpec]
    public var state: [TensorSpec] { outputs }
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .float32, "step_memory needs a float32 input, got \(inputs[0])", input: 0)
        outputs = [inputs[0]]
    }

    public func forward(_ call: KernelCall) {
        let bytes = call.inputs[0].spec.byteCount
        call.outputs[0].base.copyMemory(from: call.state[0].base, byteCount: bytes)
        if call.training { call.state[0].base.copyMemory(from: call.inputs[0].base, byteCount: bytes) }
    }

    /// Nothing: the stored value is a constant of this step.
    public func backward(_ call: KernelCall) {}
}
