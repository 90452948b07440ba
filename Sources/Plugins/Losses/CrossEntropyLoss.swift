import CanopyRuntime
import CanopySpecs

/// Loss plugin `cross_entropy`: mean cross-entropy of logits against integer targets,
/// with optional label smoothing (PyTorch semantics). One fused kernel node.
public struct CrossEntropyLoss: LossPlugin {
    public struct Params: PluginParams {
        @Param("PyTorch's label smoothing", .from(0, below: 1))
        public var labelSmoothing = 0.0
        public init() {}
    }

    public static let name = "cross_entropy"
    public static let summary = "mean cross-entropy CE(logits, target), optional label smoothing"
    public static let inputNames = ["logits", "target"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, name: String, inputs: [ValueID]) -> ValueID {
        b.apply(CrossEntropy.self, name: name, params: .init(labelSmoothing: Float(params.labelSmoothing)), inputs: inputs)[0]
    }
}
