import CanopyRuntime
import CanopySpecs

/// Module plugin `t2b_permeation`: T2B's semantic permeation structure (docs/methods.md#t2b-architecture):
/// P = concat over channels of [AvgPool(shallow) | deep], the parameter-free average pool
/// (kernel = stride = the size ratio, 2x2 stride 2 between ResNet stages) bringing the
/// shallower stage to the deeper one's spatial size. Not detached by default, so branch
/// losses reach the shallower stage both directly and through the deeper one ("semantic
/// alignment via backpropagation"); `detached: true` is the ablation that stops it.
/// Chaining two nodes (the first's output as the second's `shallow`) concatenates every
/// stage, since nested aligned average pools are one average pool.
public struct T2BPermeation: ModulePlugin {
    public struct Params: PluginParams {
        @Param("stop the gradient of P (ablation: no alignment via backpropagation)")
        public var detached = false
        public init() {}
    }

    public static let name = "t2b_permeation"
    public static let summary = "T2B semantic permeation: concat_channels(AvgPool(shallow), deep), pooled to deep's size"
    public static let inputNames = ["shallow", "deep"]
    public static let outputNames = ["output"]

    public let params: Params

    public init(params: Params) throws(ParamError) { self.params = params }

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        let shallow = inputs[0][0], deep = inputs[1][0]
        if b.isPoisoned(shallow) || b.isPoisoned(deep) { return ["output": b.apply("concat", name: "\(prefix)concat", inputs: [shallow, deep])[0]] }
        let s = b.spec(shallow).shape, d = b.spec(deep).shape
        guard s.rank == 4, d.rank == 4, s[0] == d[0], s[2] >= d[2], s[3] >= d[3], s[2] % d[2] == 0, s[3] % d[3] == 0 else {
            b.error("\(prefix)concat: shallow \(s) must be [B, C, H, W] with H and W whole multiples of deep \(d)'s")
            return [:]
        }
        var pooled = shallow
        if s[2] != d[2] || s[3] != d[3] {
            let window = ParamValue.array([.int(s[2] / d[2]), .int(s[3] / d[3])])
            pooled = b.unary("avgpool2d", "\(prefix)pool", shallow, params: .object([("kernel", window), ("stride", window)]))
        }
        var p = b.apply("concat", name: "\(prefix)concat", inputs: [pooled, deep])[0]
        if params.detached { p = b.detach(p, name: "\(prefix)detached") }
        return ["output": p]
    }
}
