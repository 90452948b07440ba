import CanopyRuntime
import CanopySpecs

/// Module plugin `t2b_branch`: one of T2B's one-layer peer branches for convolutional
/// trunks (docs/methods.md#t2b-architecture), used as node `branch` with `count: K` so instance k is
/// `branch[k]`: `dw` depthwise conv with kernel `kernels[k]` (padding k//2, no bias) on
/// x, `pw` 1x1 conv to `width`, the norm (`bn` BatchNorm2d, as ResNets, or `ln`
/// channels-first LayerNorm, as ConvNeXt), the activation (ReLU or GELU), global mean =
/// `feature` h_k, `fc` Linear = `logits` z_k. The 1x1 conv has no bias with BatchNorm
/// (the train-mode BN would cancel it) and a bias with LayerNorm, as ConvNeXt's convs.
/// Parameters `branch.{k}.dw.weight`, `.pw.weight`, `.bn.*`, `.fc.*` as the golden
/// `resnet8_t2b_step` (with LayerNorm: `.pw.bias` and `.ln.*` instead of `.bn.*`). Input `deep` (the trunk's last stage) only sets the default width.
public struct T2BBranch: ModulePlugin {
    public struct Params: PluginParams {
        @Param("depthwise kernel size of branch k = kernels[k]; one per branch", type: "list of odd int in 1...31")
        public var kernels = [3, 5, 7]
        @Param("output channels of the 1x1 conv (feature dimension D)", .between(1, 65536), shownDefault: "channels of input deep")
        public var width: Int? = nil
        @Param("BatchNorm2d (`bn`) or channels-first LayerNorm (`ln`) after the 1x1 conv", type: "batch | layer")
        public var norm = "batch"
        @Param("activation after the norm", type: "relu | gelu")
        public var activation = "relu"
        public init() {}
    }

    public static let name = "t2b_branch"
    public static let summary = "T2B one-layer peer branch: depthwise kxk -> 1x1 conv -> norm -> activation -> global mean (feature) -> fc (logits)"
    public static let inputNames = ["x", "deep"]
    public static let outputNames = ["feature", "logits"]

    public let params: Params
    let norm: LayerStyle.Norm
    let activation: LayerStyle.Activation

    public init(params: Params) throws(ParamError) {
        guard let norm = LayerStyle.Norm(rawValue: params.norm) else {
            throw ParamError(path: ["norm"], "unknown norm '\(params.norm)' (batch or layer)")
        }
        guard let activation = LayerStyle.Activation(rawValue: params.activation) else {
            throw ParamError(path: ["activation"], "unknown activation '\(params.activation)' (relu or gelu)")
        }
        self.norm = norm
        self.activation = activation
        guard !params.kernels.isEmpty, params.kernels.allSatisfy({ (1...31).contains($0) && $0 % 2 == 1 }) else {
            throw ParamError(path: ["kernels"], "expected odd kernel sizes between 1 and 31, found \(params.kernels)")
        }
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        let x = inputs[0][0], deep = inputs[1][0]
        guard index < params.kernels.count else {
            b.error("\(prefix)dw: branch \(index) has no kernel size (kernels lists \(params.kernels.count): \(params.kernels))")
            return [:]
        }
        let k = params.kernels[index]
        let channels = b.isPoisoned(x) || b.spec(x).shape.rank != 4 ? 1 : b.spec(x).shape[1]
        let width = params.width ?? (b.isPoisoned(deep) || b.spec(deep).shape.rank < 2 ? 1 : b.spec(deep).shape[1])
        let dw = b.conv2d("\(prefix)dw", x, out: channels, kernel: k, padding: k / 2, groups: channels)
        let pw = b.conv2d("\(prefix)pw", dw, out: width, kernel: 1, bias: norm == .layer)
        let normed = norm == .batch ? b.batchNorm("\(prefix)bn", pw) : b.layerNorm("\(prefix)ln", pw, layout: .channelsFirst, eps: 1e-6)
        let h = b.unary(activation.rawValue, "\(prefix)\(activation.rawValue)", normed)
        let feature = b.unary("global_avgpool", "\(prefix)avgpool", h)
        return ["feature": feature, "logits": b.linear("\(prefix)fc", feature, out: classes)]
    }
}
