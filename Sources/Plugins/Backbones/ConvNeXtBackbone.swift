import CanopyRuntime
import CanopySpecs

/// Backbone plugin `convnext`: ConvNeXt V1 (atto ... tiny, or explicit dims and depths)
/// with a configurable stem; see `ConvNeXt`. Taps: stem, stage1 ... stage<n>, pool,
/// feature (the normalised pool), logits. Peers fork after the second-to-last stage
/// (stage3 of the four-stage variants) and own the last downsample layer, the last
/// stage, the final norm and the head; after "input" a branch is a whole network.
/// A map that the stem or a downsample layer shrinks to nothing is reported by the
/// builder at the backbone's position in the spec (Fashion-MNIST: `data.pad_to: 32`).
public struct ConvNeXtBackbone: BackbonePlugin {
    public struct Params: PluginParams {
        @Param(
            "named size: dims and depths of timm's variant", type: "atto | femto | pico | nano | tiny",
            shownDefault: "atto (when dims and depths are absent)")
        public var variant: String? = nil
        @Param("channels per stage (with depths, instead of variant)", type: "list of ints, each 1...4096", shownDefault: "from variant")
        public var dims: [Int]? = nil
        @Param("blocks per stage, as many as dims", type: "list of ints, each 0...100", shownDefault: "from variant")
        public var depths: [Int]? = nil
        @Param("stem conv kernel (4 with stride 4 is ImageNet's patchify)", .between(1, 16))
        public var stemKernel = 2
        @Param("stem conv stride", .between(1, 16))
        public var stemStride = 2
        @Param("stem conv zero padding", .between(0, 8))
        public var stemPadding = 0
        @Param("stochastic depth of the last block; rises linearly from 0 over all blocks", .from(0, below: 1))
        public var dropPathRate = 0.0
        @Param("initial value of every block's layer scale gamma", .atLeast(0))
        public var layerScaleInit = 1e-6
        public init() {}
    }

    public static let name = "convnext"
    public static let summary = "ConvNeXt V1 (Liu et al. 2022; timm atto..nano, tiny) with a small-image stem (default k2 s2: maps 16/8/4/2 on 32x32)"
    public static let layerStyle = LayerStyle.modernConvolutional

    /// The widest stage.
    public static let maxWidth = 4096
    /// The most blocks in one stage.
    public static let maxDepth = 100

    public let net: ConvNeXt

    public init(params: Params, input: Shape, classes: Int) throws(ParamError) {
        var net: ConvNeXt
        switch (params.variant, params.dims, params.depths) {
        case (let v?, nil, nil):
            guard let named = ConvNeXt(variant: v, classes: classes) else {
                throw ParamError(path: ["variant"], "unknown variant '\(v)' (\(ConvNeXt.variants.map(\.name).joined(separator: ", ")))")
            }
            net = named
        case (nil, nil, nil):
            net = ConvNeXt(variant: "atto", classes: classes)!
        case (nil, let dims?, let depths?):
            guard !dims.isEmpty, dims.allSatisfy({ (1...Self.maxWidth).contains($0) }) else {
                throw ParamError(path: ["dims"], "expected at least one stage width, each between 1 and \(Self.maxWidth), found \(dims)")
            }
            guard depths.count == dims.count, depths.allSatisfy({ (0...Self.maxDepth).contains($0) }) else {
                throw ParamError(
                    path: ["depths"],
                    "expected \(dims.count) block counts (one per entry of dims), each between 0 and \(Self.maxDepth), found \(depths)")
            }
            net = ConvNeXt(depths: depths, dims: dims, classes: classes)
        case (nil, _?, nil):
            throw ParamError(path: ["depths"], "dims needs depths (blocks per stage)")
        case (nil, nil, _?):
            throw ParamError(path: ["dims"], "depths needs dims (channels per stage)")
        case (_?, _, _):
            throw ParamError(path: [params.dims != nil ? "dims" : "depths"], "give either variant or dims and depths, not both")
        }
        guard classes >= 1 else { throw ParamError(path: [], "needs at least one class, found \(classes)") }
        net.stemKernel = params.stemKernel
        net.stemStride = params.stemStride
        net.stemPadding = params.stemPadding
        net.dropPathRate = params.dropPathRate
        net.layerScaleInit = Float(params.layerScaleInit)
        self.net = net
    }

    public var taps: [String] { ["stem"] + (1...net.stageCount).map { "stage\($0)" } + ["pool", "feature", "logits"] }
    /// "input" (whole-network peers) and the stage before the last (stage3 of four).
    public var branchPoints: [String] { ["input"] + (net.stageCount >= 2 ? ["stage\(net.stageCount - 1)"] : []) }

    public func emitTrunk(_ b: inout GraphBuilder, input: ValueID, until: String?) -> [String: ValueID] {
        if until == "input" { return [:] }
        guard let until else { return net.build(&b, input) }
        guard net.checkConfiguration(&b), let stem = net.stem(&b, input) else { return [:] }
        var taps = ["stem": stem]
        var h = stem
        for s in 1...net.stageCount {
            guard let y = net.stage(&b, s, h) else { return taps }
            taps["stage\(s)"] = y
            h = y
            if until == "stage\(s)" { break }
        }
        return taps
    }

    public func emitBranch(_ b: inout GraphBuilder, from: ValueID, after: String, prefix: String, extraBlocks: Int) -> [String: ValueID] {
        var net = self.net
        if !net.depths.isEmpty { net.depths[net.depths.count - 1] += extraBlocks }
        if after == "input" {
            guard net.checkConfiguration(&b), let stem = net.stem(&b, from, prefix: prefix) else { return [:] }
            return net.rest(&b, from: 1, stem, prefix: prefix).merging(["stem": stem]) { a, _ in a }
        }
        let last = Int(after.dropFirst("stage".count)) ?? net.stageCount
        return net.rest(&b, from: last + 1, from, prefix: prefix)
    }
}
