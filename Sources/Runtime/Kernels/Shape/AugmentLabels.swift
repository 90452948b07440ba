/// Augmented labels for self-supervised label augmentation: int32 targets y [B] give
/// y * `factor` + `offset` (CSS: branch i of n predicts "class c under transformation i"
/// at index c * n + i). No gradient (integer values).
public struct AugmentLabels: Kernel {
    /// `factor` (the number of transformations n) and `offset` (this transformation's index).
    public struct Params: PluginParams {
        @Param("the number of transformations n: augmented classes are n * C", .between(1, 1024))
        public var factor = 1
        @Param("this transformation's index i, below factor", .atLeast(0))
        public var offset = 0

        public init() {}

        public init(factor: Int, offset: Int) {
            self.init()
            self.factor = factor
            self.offset = offset
        }
    }
    public static let name = "augment_labels"
    public static let summary = "y = target * factor + offset on int32 labels (augmented label space, index c * n + i)"
    public static let inputNames = ["target"]

    let factor: Int32
    let offset: Int32
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .int32, "augment_labels needs int32 targets, got \(inputs[0])", input: 0)
        try KernelError.require(params.offset < params.factor, "augment_labels offset \(params.offset) must be below factor \(params.factor)")
        factor = Int32(params.factor)
        offset = Int32(params.offset)
        outputs = [inputs[0]]
    }

    public func forward(_ call: KernelCall) {
        let t = call.inputs[0].i, y = call.outputs[0].i
        for b in 0..<call.outputs[0].count { y[b] = t[b] * factor + offset }
    }

    public func backward(_ call: KernelCall) {}
}
