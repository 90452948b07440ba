import CanopyRuntime

/// CSWin Transformer (Dong et al. 2022, microsoft/CSWin-Transformer `models/cswin.py`)
/// with the map sizes taken from the actual tensors (the default 7x7 s2 p3 stem gives maps
/// 16/8/4/2 on 32x32; docs/methods.md#backbones-and-branch-points).
///
/// - Stem `stage1_conv_embed.0` conv 7x7 (stride 2 pad 3 by default, the CIFAR choice;
///   stride 4 pad 2 is ImageNet's), to tokens, `stage1_conv_embed.2` LayerNorm.
/// - Before stage s > 1, `merge{s-1}`: tokens to NCHW, `.conv` 3x3 stride 2 pad 1 to the
///   stage width, back to tokens, `.norm` LayerNorm.
/// - Block `stage{s}.{j}`: x + drop_path(`proj`(attention(`norm1`(x)))), then
///   x + drop_path(`mlp.fc2`(GELU(`mlp.fc1`(`norm2`(x))))). Attention: `qkv` Linear
///   C -> 3C laid out [q | k | v]. In every stage but the last whose map is not exactly
///   split x split, two branches: channels [0, C/2) with heads/2 heads inside vertical
///   stripes (windows H x split, `attns.0`) and channels [C/2, C) inside horizontal
///   stripes (windows split x W, `attns.1`); otherwise one branch over the whole map
///   (`attns.0`). Per branch: softmax((q d^-1/2) k^T) v plus LePE, the depthwise 3x3
///   conv `get_v` of v with each window as its own zero-padded image; branch outputs
///   are concatenated.
/// - Head: `norm` LayerNorm on every token, mean over tokens, `head` Linear.
///
/// Tokens are kept as channels-last maps [B, H, W, C] (the row-major (B, H*W, C) tokens
/// of the reference). LayerNorm eps 1e-5; Linear weights trunc_normal(0.02) and zero
/// bias; convolutions (stem, merge, LePE) PyTorch's default U(+-1/sqrt(fan_in)).
///
/// Taps: `stem`, `stage1` ... `stage<n>` (NCHW maps), `pool` and `feature` (the mean of
/// the normalised tokens the head reads) and `logits`.
public struct CSWin: Sendable {
    /// Channels, blocks, heads and stripe width per stage.
    public var dims: [Int]
    public var depths: [Int]
    public var heads: [Int]
    public var splitSizes: [Int]
    public var classes: Int
    public var stemKernel = 7
    public var stemStride = 2
    public var stemPadding = 3
    public var mergeKernel = 3
    public var mergeStride = 2
    public var mergePadding = 1
    public var mlpRatio = 4
    public var eps = 1e-5
    public var qkvBias = true
    /// The LePE depthwise kernel size (padding kernel / 2).
    public var lepeKernel = 3
    public var dropPathRate = 0.0

    /// The named sizes (embed dim, depths, heads) of CSWin-T, -S and -B.
    public static let variants: [(name: String, embedDim: Int, depths: [Int], heads: [Int])] = [
        ("T", 64, [1, 2, 21, 1], [2, 4, 8, 16]),
        ("S", 64, [2, 4, 32, 2], [2, 4, 8, 16]),
        ("B", 96, [2, 4, 32, 2], [4, 8, 16, 32]),
    ]

    /// Split sizes for 32x32 inputs with the stride-2 stem (maps 16/8/4/2).
    public static let cifarSplitSizes = [1, 2, 2, 2]

    public init(dims: [Int], depths: [Int], heads: [Int], splitSizes: [Int], classes: Int) {
        self.dims = dims
        self.depths = depths
        self.heads = heads
        self.splitSizes = splitSizes
        self.classes = classes
    }

    /// Widths embedDim x 2^s, as the official model doubles them per stage.
    public init(embedDim: Int, depths: [Int], heads: [Int], splitSizes: [Int] = cifarSplitSizes, classes: Int) {
        self.init(
            dims: depths.indices.map { embedDim << $0 }, depths: depths, heads: heads, splitSizes: splitSizes,
            classes: classes)
    }

    /// The named variant (`T`, `S`, `B`), or nil for another name.
    public init?(variant: String, splitSizes: [Int] = cifarSplitSizes, classes: Int) {
        guard let v = Self.variants.first(where: { $0.name == variant }) else { return nil }
        self.init(embedDim: v.embedDim, depths: v.depths, heads: v.heads, splitSizes: splitSizes, classes: classes)
    }

    public var stageCount: Int { depths.count }

    /// The whole network on images x [N, C, H, W]; returns the taps. Problems (a bad
    /// configuration, a split size that does not divide its stage's map, a map that
    /// shrinks to nothing) are reported through `b.error` and end the network early.
    public func build(_ b: inout GraphBuilder, _ x: ValueID) -> [String: ValueID] {
        guard checkConfiguration(&b), let stem = stem(&b, x) else { return [:] }
        let map = b.permute("stage1_conv_embed.map", stem, [0, 3, 1, 2])
        return emit(&b, from: 1, tokens: stem, map: map, prefix: "").merging(["stem": map]) { a, _ in a }
    }

    /// Stages `first` ... n, the final norm and the head on the NCHW map x (the tap of
    /// stage first - 1, or `stem` when first is 1), every name under `prefix`: a peer
    /// branch's own copy, with the drop-path rates of those block positions. Returns the
    /// taps `stage<first>` ... `logits`.
    public func rest(_ b: inout GraphBuilder, from first: Int, _ x: ValueID, prefix: String) -> [String: ValueID] {
        guard checkConfiguration(&b) else { return [:] }
        guard first >= 1 && first <= stageCount else {
            b.error("cswin: cannot start at stage \(first); the network has stages 1...\(stageCount)")
            return [:]
        }
        return emit(&b, from: first, tokens: nil, map: x, prefix: prefix)
    }

    /// The stem conv, tokens and LayerNorm, under `prefix`; returns the tokens [B, H, W, C].
    public func stem(_ b: inout GraphBuilder, _ x: ValueID, prefix: String = "") -> ValueID? {
        guard let width = dims.first else {
            b.error("cswin: dims is empty")
            return nil
        }
        guard !b.isPoisoned(x) else { return nil }
        let shape = b.spec(x).shape
        guard shape.rank == 4 else {
            b.error("cswin: the input must be images [N, C, H, W], got \(shape)")
            return nil
        }
        guard shape[2] + 2 * stemPadding >= stemKernel, shape[3] + 2 * stemPadding >= stemKernel else {
            b.error("cswin: the stem conv k\(stemKernel) s\(stemStride) p\(stemPadding) leaves no map of the \(shape[2])x\(shape[3]) input")
            return nil
        }
        let y = b.conv2d(
            "\(prefix)stage1_conv_embed.0", x, out: width, kernel: stemKernel, stride: stemStride, padding: stemPadding,
            bias: true, weightInit: .uniformFanIn(fanIn: shape[1] * stemKernel * stemKernel))
        let tokens = b.permute("\(prefix)stage1_conv_embed.1", y, [0, 2, 3, 1])
        return b.layerNorm("\(prefix)stage1_conv_embed.2", tokens, eps: eps)
    }

    /// Stage `s` (1-based): from `tokens` [B, H, W, C] when given for stage 1 (the stem's
    /// output), else from the NCHW `map` of the previous stage through the merge block (stage 1:
    /// just to tokens). Returns the stage's tokens and its NCHW map.
    public func stage(
        _ b: inout GraphBuilder, _ s: Int, tokens: ValueID?, map: ValueID,
        prefix: String = ""
    ) -> (tokens: ValueID, map: ValueID)? {
        let stages = [dims.count, depths.count, heads.count, splitSizes.count].min()!
        guard s >= 1 && s <= stages else {
            b.error("cswin: there is no stage \(s); the network has stages 1...\(stages)")
            return nil
        }
        let tokens = s == 1 ? tokens : nil
        let source = tokens ?? map
        guard !b.isPoisoned(source) else { return nil }
        let shape = b.spec(source).shape
        guard shape.rank == 4 else {
            b.error("cswin stage \(s): expected a map of rank 4, got \(shape)")
            return nil
        }
        var h: Int, w: Int, x: ValueID
        if let tokens {
            (h, w, x) = (shape[1], shape[2], tokens)
        } else if s == 1 {
            (h, w) = (shape[2], shape[3])
            x = b.permute("\(prefix)stage1.tokens", map, [0, 2, 3, 1])
        } else {
            guard shape[2] + 2 * mergePadding >= mergeKernel, shape[3] + 2 * mergePadding >= mergeKernel else {
                b.error("cswin stage \(s): the \(shape[2])x\(shape[3]) map is too small for the merge conv k\(mergeKernel) p\(mergePadding)")
                return nil
            }
            h = (shape[2] + 2 * mergePadding - mergeKernel) / mergeStride + 1
            w = (shape[3] + 2 * mergePadding - mergeKernel) / mergeStride + 1
            let name = "\(prefix)merge\(s - 1)"
            let fanIn = shape[1] * mergeKernel * mergeKernel
            let y = b.conv2d(
                "\(name).conv", map, out: dims[s - 1], kernel: mergeKernel, stride: mergeStride,
                padding: mergePadding, bias: true, weightInit: .uniformFanIn(fanIn: fanIn))
            x = b.layerNorm("\(name).norm", b.permute("\(name).tokens", y, [0, 2, 3, 1]), eps: eps)
        }
        let dim = dims[s - 1], headCount = heads[s - 1], split = splitSizes[s - 1]
        let full = s == stageCount || (h == split && w == split)
        if full {
            guard dim % headCount == 0 else {
                b.error("cswin stage \(s): \(headCount) heads do not divide the \(dim) channels")
                return nil
            }
        } else {
            guard headCount % 2 == 0 && dim % headCount == 0 else {
                b.error(
                    "cswin stage \(s): stripe attention splits the heads in two halves; \(headCount) heads must be even and divide the \(dim) channels"
                )
                return nil
            }
            guard h % split == 0 && w % split == 0 else {
                b.error("cswin stage \(s): split size \(split) does not divide the \(h)x\(w) map")
                return nil
            }
        }
        let before = depths[..<(s - 1)].reduce(0, +)
        for j in 0..<depths[s - 1] {
            x = block(
                &b, "\(prefix)stage\(s).\(j)", x, dim: dim, heads: headCount, split: split, map: (h, w), full: full,
                rate: dropPathRate(block: before + j))
        }
        return (x, b.permute("\(prefix)stage\(s).map", x, [0, 3, 1, 2]))
    }

    /// `norm` LayerNorm on every token, mean over tokens, `head` Linear, under `prefix`.
    public func head(_ b: inout GraphBuilder, _ tokens: ValueID, prefix: String = "") -> (feature: ValueID, logits: ValueID) {
        let normed = b.layerNorm("\(prefix)norm", tokens, eps: eps)
        let feature = b.unary("mean", "\(prefix)pool", normed, params: .object([("axes", .array([.int(1), .int(2)]))]))
        let logits = b.linear("\(prefix)head", feature, out: classes, weightInit: .truncatedNormal(std: 0.02), biasInit: .zeros)
        return (feature, logits)
    }

    /// The drop-path rate of block `k` counted over all blocks: linspace(0, rate, total)[k].
    public func dropPathRate(block k: Int) -> Double {
        let total = depths.reduce(0, +)
        return total > 1 ? dropPathRate * Double(k) / Double(total - 1) : 0
    }

    func emit(_ b: inout GraphBuilder, from first: Int, tokens: ValueID?, map: ValueID, prefix: String) -> [String: ValueID] {
        var taps: [String: ValueID] = [:]
        var current: (tokens: ValueID?, map: ValueID) = (tokens, map)
        for s in first...stageCount {
            guard let next = stage(&b, s, tokens: current.tokens, map: current.map, prefix: prefix) else { return taps }
            taps["stage\(s)"] = next.map
            current = (nil, next.map)
            if s == stageCount { current.tokens = next.tokens }
        }
        let head = head(&b, current.tokens!, prefix: prefix)
        taps["pool"] = head.feature
        taps["feature"] = head.feature
        taps["logits"] = head.logits
        return taps
    }

    func block(
        _ b: inout GraphBuilder, _ name: String, _ x: ValueID, dim: Int, heads: Int, split: Int, map: (h: Int, w: Int),
        full: Bool, rate: Double
    ) -> ValueID {
        let trunc = Initializer.truncatedNormal(std: 0.02)
        var h = b.layerNorm("\(name).norm1", x, eps: eps)
        let qkv = b.linear("\(name).qkv", h, out: 3 * dim, bias: qkvBias, weightInit: trunc, biasInit: .zeros)
        let branches: [(start: Int, channels: Int, heads: Int, window: (h: Int, w: Int))] =
            full
            ? [(0, dim, heads, map)]
            : [(0, dim / 2, heads / 2, (map.h, split)), (dim / 2, dim / 2, heads / 2, (split, map.w))]
        var outputs: [ValueID] = []
        for (a, branch) in branches.enumerated() {
            outputs.append(attention(&b, "\(name).attns.\(a)", qkv, dim: dim, branch: branch, map: map))
        }
        h =
            outputs.count == 1
            ? outputs[0]
            : b.apply("concat", name: "\(name).attns", params: .object([("axis", .int(-1))]), inputs: outputs)[0]
        h = b.linear("\(name).proj", h, out: dim, weightInit: trunc, biasInit: .zeros)
        var y = b.add("\(name).add1", x, b.dropPath("\(name).drop_path1", h, rate: rate))
        h = b.layerNorm("\(name).norm2", y, eps: eps)
        h = b.linear("\(name).mlp.fc1", h, out: mlpRatio * dim, weightInit: trunc, biasInit: .zeros)
        h = b.unary("gelu", "\(name).mlp.act", h)
        h = b.linear("\(name).mlp.fc2", h, out: dim, weightInit: trunc, biasInit: .zeros)
        y = b.add("\(name).add2", y, b.dropPath("\(name).drop_path2", h, rate: rate))
        return y
    }

    /// One attention branch on its channels of the fused qkv map: stripe (or full)
    /// windows, attention, back to a channels-last map of `branch.channels`, plus LePE
    /// (the windowed depthwise conv of the branch's v, read straight from qkv).
    func attention(
        _ b: inout GraphBuilder, _ name: String, _ qkv: ValueID, dim: Int,
        branch: (start: Int, channels: Int, heads: Int, window: (h: Int, w: Int)), map: (h: Int, w: Int)
    ) -> ValueID {
        let (c, window) = (branch.channels, branch.window)
        func cut(_ part: String, _ offset: Int) -> ValueID {
            b.windowPartition(
                "\(name).\(part)", qkv, window: window, start: offset + branch.start, channels: c,
                heads: branch.heads, layout: .heads)
        }
        let q = cut("q", 0), k = cut("k", dim), v = cut("v", 2 * dim)
        let attended = b.apply("attention", name: "\(name).attention", inputs: [q, k, v])[0]
        let y = b.windowReverse("\(name).out", attended, window: window, size: map, layout: .heads)
        let weight = b.parameter("\(name).get_v.weight", [c, 1, lepeKernel, lepeKernel], .uniformFanIn(fanIn: lepeKernel * lepeKernel))
        let bias = b.parameter("\(name).get_v.bias", [c], .uniformFanIn(fanIn: lepeKernel * lepeKernel))
        let params = ParamValue.object([("window", .array([.int(window.h), .int(window.w)])), ("start", .int(2 * dim + branch.start))])
        let lepe = b.apply("depthwise_conv2d_nhwc", name: "\(name).get_v", params: params, inputs: [qkv, weight, bias])[0]
        return b.add("\(name).sum", y, lepe)
    }

    func checkConfiguration(_ b: inout GraphBuilder) -> Bool {
        var problems: [String] = []
        let n = depths.count
        if n == 0 || dims.count != n || heads.count != n || splitSizes.count != n {
            problems.append(
                "dims \(dims), depths \(depths), heads \(heads) and split sizes \(splitSizes) must list the same number (at least 1) of stages")
        }
        if depths.contains(where: { $0 < 0 }) || (dims + heads + splitSizes).contains(where: { $0 < 1 }) {
            problems.append("depths must not be negative; dims, heads and split sizes must be positive")
        }
        if classes < 1 || mlpRatio < 1 || lepeKernel < 1 || lepeKernel % 2 == 0 {
            problems.append("classes and mlp ratio must be positive and the LePE kernel odd")
        }
        if !(dropPathRate >= 0 && dropPathRate < 1) { problems.append("drop path rate must be in [0, 1), got \(dropPathRate)") }
        for p in problems { b.error("cswin: \(p)") }
        return problems.isEmpty
    }
}
