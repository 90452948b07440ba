import CanopyRuntime
import CanopySpecs

/// Module plugin `lightskd_adapter`: LightSKD's DRG adapter (`Istr_2`, Wang et al. 2023,
/// docs/methods.md#lightskd-architecture) on a feature map X [B, C, H, W], C read from X
/// (the official code's bottleneck width is not copied). SepConv(cin, cout, s) = `dw1`
/// depthwise 3x3 (stride s, pad 1), `pw1` 1x1 cin -> cin, `bn1`, ReLU, `dw2` depthwise 3x3,
/// `pw2` 1x1 cin -> cout, `bn2`, ReLU, no conv biases. mask = sigmoid(upsample_x2(ReLU(
/// `attention.bn`(`attention.sep` = SepConv(C, C, 2)(X))))) (bilinear, align_corners),
/// X' = X * mask, then `head.0` = SepConv(C, 2C, 2), `head.1` = SepConv(2C, 4C, 2), global
/// mean, `fc` Linear(4C -> classes). Outputs `logits` (z_d) and `mask`.
public struct LightSKDAdapter: ModulePlugin {
    public struct Params: PluginParams {
        @Param("BatchNorm eps of every norm of the adapter", .greaterThan(0))
        public var bnEps: Double = 1e-5
        @Param("BatchNorm running-statistics momentum", .between(0, 1))
        public var bnMomentum: Double = 0.1
        public init() {}
    }

    public static let name = "lightskd_adapter"
    public static let summary =
        "LightSKD DRG adapter: sigmoid attention mask (SepConv, BN, ReLU, bilinear x2) on a feature map, then SepConv x2, GAP, linear -> logits"
    public static let inputNames = ["feature"]
    public static let outputNames = ["logits", "mask"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        guard let x = inputs[0].first, inputs[0].count == 1 else {
            b.error("lightskd_adapter takes one feature map, got \(inputs[0].count)")
            return [:]
        }
        guard !b.isPoisoned(x) else { return ["logits": b.poisonedValue("\(prefix)logits"), "mask": b.poisonedValue("\(prefix)mask")] }
        let shape = b.spec(x).shape
        guard shape.rank == 4, shape[2] % 2 == 0, shape[3] % 2 == 0 else {
            b.error("lightskd_adapter needs a feature map [B, C, H, W] with even H and W, got \(shape)")
            return [:]
        }
        let c = shape[1]
        let attention = sepConv(&b, "\(prefix)attention.sep", x, out: c, stride: 2)
        let bn = b.batchNorm("\(prefix)attention.bn", attention, eps: params.bnEps, momentum: params.bnMomentum)
        let up = b.apply(
            UpsampleBilinear.self, name: "\(prefix)attention.upsample", params: .init(scale: 2, alignCorners: true),
            inputs: [b.unary("relu", "\(prefix)attention.relu", bn)])[0]
        let mask = b.unary("sigmoid", "\(prefix)mask", up)
        let masked = b.apply("mul", name: "\(prefix)masked", inputs: [x, mask])[0]
        let h0 = sepConv(&b, "\(prefix)head.0", masked, out: 2 * c, stride: 2)
        let h1 = sepConv(&b, "\(prefix)head.1", h0, out: 4 * c, stride: 2)
        let pooled = b.unary("global_avgpool", "\(prefix)avgpool", h1)
        return ["logits": b.linear("\(prefix)fc", pooled, out: classes), "mask": mask]
    }

    /// The official `SepConv`: depthwise 3x3 (stride), pointwise, BN, ReLU, depthwise 3x3, pointwise to `out`, BN, ReLU.
    func sepConv(_ b: inout GraphBuilder, _ name: String, _ x: ValueID, out: Int, stride: Int) -> ValueID {
        let cin = b.spec(x).shape[1]
        var y = b.conv2d("\(name).dw1", x, out: cin, kernel: 3, stride: stride, padding: 1, groups: cin)
        y = b.conv2d("\(name).pw1", y, out: cin, kernel: 1)
        y = b.unary("relu", "\(name).relu1", b.batchNorm("\(name).bn1", y, eps: params.bnEps, momentum: params.bnMomentum))
        y = b.conv2d("\(name).dw2", y, out: cin, kernel: 3, padding: 1, groups: cin)
        y = b.conv2d("\(name).pw2", y, out: out, kernel: 1)
        return b.unary("relu", "\(name).relu2", b.batchNorm("\(name).bn2", y, eps: params.bnEps, momentum: params.bnMomentum))
    }
}
