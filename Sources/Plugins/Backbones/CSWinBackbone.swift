import CanopyRuntime
import CanopySpecs

/// Backbone plugin `cswin`: CSWin Transformer (T, S, B, or explicit sizes) with a
/// configurable stem and stripe widths; see `CSWin`. Taps: stem, stage1 ... stage<n>
/// (NCHW maps), pool, feature (the mean of the normalised tokens), logits. Peers fork
/// after the second-to-last stage (stage3 of the four-stage variants) and own the last
/// merge block, the last stage, the final norm and the head; after "input" a branch is a
/// whole network. A split size that does not divide its stage's map, or a map the stem
/// shrinks to nothing, is reported by the builder at the backbone's position in the spec
/// (Fashion-MNIST: `data.pad_to: 32`).
public struct CSWinBackbone: BackbonePlugin {
    public struct Params: PluginParams {
        @Param("named size: embed dim, depths and heads of CSWin-T/S/B", type: "T | S | B", shownDefault: "T (when depths are absent)")
        public var variant: String? = nil
        @Param("stage-1 width; stage s has embed_dim x 2^(s-1) (instead of dims)", .between(1, 1024), shownDefault: "from variant")
        public var embedDim: Int? = nil
        @Param("channels per stage (instead of embed_dim)", type: "list of ints, each 1...4096", shownDefault: "from embed_dim")
        public var dims: [Int]? = nil
        @Param(
            "blocks per stage (with heads and embed_dim or dims, instead of variant)", type: "list of ints, each 0...100",
            shownDefault: "from variant")
        public var depths: [Int]? = nil
        @Param("attention heads per stage, as many as depths", type: "list of ints, each 1...256", shownDefault: "from variant")
        public var heads: [Int]? = nil
        @Param(
            "stripe width per stage; must divide the stage's map (not checked in the last stage, which attends globally)",
            type: "list of ints, each 1...256", shownDefault: "[1, 2, 2, 2]")
        public var splitSizes: [Int]? = nil
        @Param("stem conv kernel", .between(1, 16))
        public var stemKernel = 7
        @Param("stem conv stride (4 with padding 2 is ImageNet's stem)", .between(1, 16))
        public var stemStride = 2
        @Param("stem conv zero padding", .between(0, 8))
        public var stemPadding = 3
        @Param("stochastic depth of the last block; rises linearly from 0 over all blocks", .from(0, below: 1))
        public var dropPathRate = 0.0
        public init() {}
    }

    public static let name = "cswin"
    public static let summary =
        "CSWin Transformer (Dong et al. 2022) with a small-image stem (default 7x7 s2 p3, split sizes [1, 2, 2, 2]: maps 16/8/4/2 on 32x32)"
    public static let layerStyle = LayerStyle.transformer

    /// The widest stage.
    public static let maxWidth = 4096
    /// The most blocks in one stage.
    public static let maxDepth = 100

    public let net: CSWin

    public init(params: Params, input: Shape, classes: Int) throws(ParamError) {
        let explicit = params.embedDim != nil || params.dims != nil || params.depths != nil || params.heads != nil
        var net: CSWin
        if let v = params.variant, explicit {
            let key = params.depths != nil ? "depths" : params.heads != nil ? "heads" : params.dims != nil ? "dims" : "embed_dim"
            throw ParamError(path: [key], "give either variant '\(v)' or explicit sizes, not both")
        } else if explicit {
            guard let depths = params.depths, !depths.isEmpty, depths.allSatisfy({ (0...Self.maxDepth).contains($0) }) else {
                throw ParamError(
                    path: ["depths"],
                    "expected at least one block count, each between 0 and \(Self.maxDepth), found \(params.depths.map { "\($0)" } ?? "none")")
            }
            guard let heads = params.heads, heads.count == depths.count, heads.allSatisfy({ (1...256).contains($0) }) else {
                throw ParamError(
                    path: ["heads"],
                    "expected \(depths.count) head counts (one per stage), each between 1 and 256, found \(params.heads.map { "\($0)" } ?? "none")")
            }
            let dims: [Int]
            switch (params.embedDim, params.dims) {
            case (let e?, nil):
                guard e << (depths.count - 1) <= Self.maxWidth else {
                    throw ParamError(path: ["embed_dim"], "must be between 1 and 1024 with the last stage at most \(Self.maxWidth) wide, found \(e)")
                }
                dims = depths.indices.map { e << $0 }
            case (nil, let d?):
                guard d.count == depths.count, d.allSatisfy({ (1...Self.maxWidth).contains($0) }) else {
                    throw ParamError(path: ["dims"], "expected \(depths.count) stage widths, each between 1 and \(Self.maxWidth), found \(d)")
                }
                dims = d
            case (nil, nil):
                throw ParamError(path: ["embed_dim"], "explicit sizes need embed_dim or dims")
            case (_?, _?):
                throw ParamError(path: ["dims"], "give either embed_dim or dims, not both")
            }
            for (s, (d, h)) in zip(dims, heads).enumerated() where d % h != 0 {
                throw ParamError(path: ["heads", "\(s)"], "\(h) heads do not divide the \(d) channels of stage \(s + 1)")
            }
            net = CSWin(dims: dims, depths: depths, heads: heads, splitSizes: CSWin.cifarSplitSizes, classes: classes)
        } else {
            let v = params.variant ?? "T"
            guard let named = CSWin(variant: v, classes: classes) else {
                throw ParamError(path: ["variant"], "unknown variant '\(v)' (\(CSWin.variants.map(\.name).joined(separator: ", ")))")
            }
            net = named
        }
        if let splits = params.splitSizes {
            guard splits.count == net.stageCount, splits.allSatisfy({ (1...256).contains($0) }) else {
                throw ParamError(
                    path: ["split_sizes"], "expected \(net.stageCount) stripe widths (one per stage), each between 1 and 256, found \(splits)")
            }
            net.splitSizes = splits
        } else if net.stageCount != CSWin.cifarSplitSizes.count {
            throw ParamError(path: ["split_sizes"], "the default [1, 2, 2, 2] is for four stages; give \(net.stageCount) stripe widths")
        }
        guard classes >= 1 else { throw ParamError(path: [], "needs at least one class, found \(classes)") }
        net.stemKernel = params.stemKernel
        net.stemStride = params.stemStride
        net.stemPadding = params.stemPadding
        net.dropPathRate = params.dropPathRate
        self.net = net
    }

    public var taps: [String] { ["stem"] + (1...net.stageCount).map { "stage\($0)" } + ["pool", "feature", "logits"] }
    /// "input" (whole-network peers) and the stage before the last (stage3 of four).
    public var branchPoints: [String] { ["input"] + (net.stageCount >= 2 ? ["stage\(net.stageCount - 1)"] : []) }

    public func emitTrunk(_ b: inout GraphBuilder, input: ValueID, until: String?) -> [String: ValueID] {
        if until == "input" { return [:] }
        guard let until else { return net.build(&b, input) }
        guard net.checkConfiguration(&b), let stem = net.stem(&b, input) else { return [:] }
        let map = b.permute("stage1_conv_embed.map", stem, [0, 3, 1, 2])
        var taps = ["stem": map]
        var current: (tokens: ValueID?, map: ValueID) = (stem, map)
        for s in 1...net.stageCount {
            guard let next = net.stage(&b, s, tokens: current.tokens, map: current.map) else { return taps }
            taps["stage\(s)"] = next.map
            current = (nil, next.map)
            if until == "stage\(s)" { break }
        }
        return taps
    }

    public func emitBranch(_ b: inout GraphBuilder, from: ValueID, after: String, prefix: String, extraBlocks: Int) -> [String: ValueID] {
        var net = self.net
        if !net.depths.isEmpty { net.depths[net.depths.count - 1] += extraBlocks }
        if after == "input" {
            guard net.checkConfiguration(&b), let stem = net.stem(&b, from, prefix: prefix) else { return [:] }
            let map = b.permute("\(prefix)stage1_conv_embed.map", stem, [0, 3, 1, 2])
            return net.rest(&b, from: 1, map, prefix: prefix).merging(["stem": map]) { a, _ in a }
        }
        let last = Int(after.dropFirst("stage".count)) ?? net.stageCount
        return net.rest(&b, from: last + 1, from, prefix: prefix)
    }
}
