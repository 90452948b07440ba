/// Mean of x over `axes` (all by default), accumulated in Double; shape [1] when every
/// axis is reduced without keepdims (Canopy's scalar). Backward spreads dy / count back.
public struct Mean: Kernel {
    public typealias Params = ReductionParams
    public static let name = "mean"
    public static let summary = "y = mean of x over axes (all by default)"
    public static let inputNames = ["x"]

    let reduction: Reduction
    public var outputs: [TensorSpec] { [reduction.output] }
    public var workspaceBytes: Int { reduction.workspaceBytes }
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        reduction = try Reduction(kernel: Self.name, params: params, input: inputs[0], average: true)
    }

    public func forward(_ call: KernelCall) { reduction.forward(call) }
    public func backward(_ call: KernelCall) { reduction.backward(call) }
}
