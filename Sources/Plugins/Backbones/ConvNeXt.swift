import CanopyRuntime

/// ConvNeXt with V1 blocks (Liu et al. 2022; timm's atto..nano), with the stem
/// configurable for small images (the default k2 s2 stem gives maps 16/8/4/2 on 32x32;
/// docs/methods.md#backbones-and-branch-points).
///
/// - Stem `stem.0` conv k x k stride s (default k2 s2, the CIFAR choice; k4 s4 is the
///   ImageNet patchify), then `stem.1` channels-first LayerNorm.
/// - Before stage s > 1, `downsample_layers.{s-1}`: `.0` channels-first LayerNorm, then
///   `.1` conv 2x2 stride 2 to the stage width.
/// - Block `stages.{s-1}.{j}`: `dwconv` depthwise 7x7 pad 3, `norm` LayerNorm over the
///   channels, `pwconv1` Linear C -> 4C, exact GELU, `pwconv2` Linear 4C -> C, layer
///   scale `gamma` [C], drop path, add the block input. The blocks of a stage run
///   channels-last (NHWC) from end to end (the official block permutes around the
///   same ops), so a stage permutes once on the way in and once on the way out.
/// - Head: mean over H and W, `norm` LayerNorm, `head` Linear.
///
/// LayerNorm eps 1e-6 everywhere; conv and linear weights trunc_normal(0.02) and zero
/// bias, LayerNorm 1 and 0, layer scale `layerScaleInit` (1e-6). Drop-path rates rise
/// linearly from 0 over all blocks to `dropPathRate`. Names are those of the official
/// model's state_dict with `downsample_layers.0` called `stem`.
///
/// Taps: `stem`, `stage1` ... `stage<n>` (NCHW), `pool` (the mean over H and W),
/// `feature` (the normalised pool the head reads) and `logits`.
public struct ConvNeXt: Sendable {
    /// Blocks per stage and channels per stage (one entry per stage).
    public var depths: [Int]
    public var dims: [Int]
    public var classes: Int
    public var stemKernel = 2
    public var stemStride = 2
    public var stemPadding = 0
    public var downsampleKernel = 2
    public var downsampleStride = 2
    /// The depthwise convolution of every block (odd, with same padding (k - 1) / 2).
    public var blockKernel = 7
    /// Hidden width of the block MLP per channel.
    public var mlpRatio = 4
    public var eps = 1e-6
    public var layerScaleInit: Float = 1e-6
    public var dropPathRate = 0.0

    /// The named sizes: depths and dims of atto, femto, pico, nano (timm) and tiny.
    public static let variants: [(name: String, depths: [Int], dims: [Int])] = [
        ("atto", [2, 2, 6, 2], [40, 80, 160, 320]),
        ("femto", [2, 2, 6, 2], [48, 96, 192, 384]),
        ("pico", [2, 2, 6, 2], [64, 128, 256, 512]),
        ("nano", [2, 2, 8, 2], [80, 160, 320, 640]),
        ("tiny", [3, 3, 9, 3], [96, 192, 384, 768]),
    ]

    public init(depths: [Int], dims: [Int], classes: Int) {
        self.depths = depths
        self.dims = dims
        self.classes = classes
    }

    /// The named variant (`atto`, `femto`, `pico`, `nano`, `tiny`), or nil for another name.
    public init?(variant: String, classes: Int) {
        guard let v = Self.variants.first(where: { $0.name == variant }) else { return nil }
        self.init(depths: v.depths, dims: v.dims, classes: classes)
    }

    public var stageCount: Int { depths.count }

    /// The whole network on images x [N, C, H, W]; returns the taps. Problems (a bad
    /// configuration, a map that shrinks to nothing) are reported through `b.error` and
    /// end the network early, without the taps from there on.
    public func build(_ b: inout GraphBuilder, _ x: ValueID) -> [String: ValueID] {
        guard checkConfiguration(&b), let stem = stem(&b, x) else { return [:] }
        return emit(&b, from: 1, stem, prefix: "").merging(["stem": stem]) { a, _ in a }
    }

    /// Stages `first` ... n, the final norm and the head on `x` (the output of stage
    /// first - 1, or of the stem when first is 1), every name under `prefix`: a peer
    /// branch's own copy (`prefix: "branch.0."`), with the drop-path rates of those block
    /// positions. Returns the taps `stage<first>` ... `logits`.
    public func rest(_ b: inout GraphBuilder, from first: Int, _ x: ValueID, prefix: String) -> [String: ValueID] {
        guard checkConfiguration(&b) else { return [:] }
        guard first >= 1 && first <= stageCount else {
            b.error("convnext: cannot start at stage \(first); the network has stages 1...\(stageCount)")
            return [:]
        }
        return emit(&b, from: first, x, prefix: prefix)
    }

    /// The stem: `stem.0` conv and `stem.1` channels-first LayerNorm, under `prefix`.
    public func stem(_ b: inout GraphBuilder, _ x: ValueID, prefix: String = "") -> ValueID? {
        guard let width = dims.first else {
            b.error("convnext: dims is empty")
            return nil
        }
        guard !b.isPoisoned(x) else { return nil }
        let shape = b.spec(x).shape
        guard shape.rank == 4 else {
            b.error("convnext: the input must be images [N, C, H, W], got \(shape)")
            return nil
        }
        let h = (shape[2] + 2 * stemPadding - stemKernel) / stemStride + 1
        let w = (shape[3] + 2 * stemPadding - stemKernel) / stemStride + 1
        guard shape[2] + 2 * stemPadding >= stemKernel, shape[3] + 2 * stemPadding >= stemKernel, h >= 1, w >= 1 else {
            b.error("convnext: the stem conv k\(stemKernel) s\(stemStride) p\(stemPadding) leaves no map of the \(shape[2])x\(shape[3]) input")
            return nil
        }
        let y = b.conv2d(
            "\(prefix)stem.0", x, out: width, kernel: stemKernel, stride: stemStride, padding: stemPadding, bias: true,
            weightInit: .truncatedNormal(std: 0.02), biasInit: .zeros)
        return b.layerNorm("\(prefix)stem.1", y, layout: .channelsFirst, eps: eps)
    }

    /// Stage `s` (1-based) on NCHW x, with the downsample layer before it when s > 1.
    public func stage(_ b: inout GraphBuilder, _ s: Int, _ x: ValueID, prefix: String = "") -> ValueID? {
        guard s >= 1 && s <= min(depths.count, dims.count) else {
            b.error("convnext: there is no stage \(s); the network has stages 1...\(min(depths.count, dims.count))")
            return nil
        }
        guard !b.isPoisoned(x) else { return nil }
        let shape = b.spec(x).shape
        guard shape.rank == 4 else {
            b.error("convnext stage \(s): expected an NCHW map, got \(shape)")
            return nil
        }
        var h = x
        if s > 1 {
            guard shape[2] >= downsampleKernel && shape[3] >= downsampleKernel else {
                b.error(
                    "convnext stage \(s): the \(shape[2])x\(shape[3]) map is smaller than the \(downsampleKernel)x\(downsampleKernel) downsampling conv (use a smaller stem stride or fewer stages)"
                )
                return nil
            }
            let name = "\(prefix)downsample_layers.\(s - 1)"
            h = b.layerNorm("\(name).0", h, layout: .channelsFirst, eps: eps)
            h = b.conv2d(
                "\(name).1", h, out: dims[s - 1], kernel: downsampleKernel, stride: downsampleStride, bias: true,
                weightInit: .truncatedNormal(std: 0.02), biasInit: .zeros)
        }
        let before = depths[..<(s - 1)].reduce(0, +)
        h = b.permute("\(prefix)stages.\(s - 1).to_nhwc", h, [0, 2, 3, 1])
        for j in 0..<depths[s - 1] {
            h = block(&b, "\(prefix)stages.\(s - 1).\(j)", h, dim: dims[s - 1], rate: dropPathRate(block: before + j))
        }
        return b.permute("\(prefix)stages.\(s - 1).to_nchw", h, [0, 3, 1, 2])
    }

    /// Mean over H and W, `norm` LayerNorm, `head` Linear, under `prefix`.
    public func head(_ b: inout GraphBuilder, _ x: ValueID, prefix: String = "") -> (pool: ValueID, feature: ValueID, logits: ValueID) {
        let pool = b.unary("global_avgpool", "\(prefix)pool", x)
        let feature = b.layerNorm("\(prefix)norm", pool, eps: eps)
        let logits = b.linear("\(prefix)head", feature, out: classes, weightInit: .truncatedNormal(std: 0.02), biasInit: .zeros)
        return (pool, feature, logits)
    }

    /// The drop-path rate of block `k` counted over all blocks: linspace(0, rate, total)[k].
    public func dropPathRate(block k: Int) -> Double {
        let total = depths.reduce(0, +)
        return total > 1 ? dropPathRate * Double(k) / Double(total - 1) : 0
    }

    func emit(_ b: inout GraphBuilder, from first: Int, _ x: ValueID, prefix: String) -> [String: ValueID] {
        var taps: [String: ValueID] = [:]
        var h = x
        for s in first...stageCount {
            guard let y = stage(&b, s, h, prefix: prefix) else { return taps }
            taps["stage\(s)"] = y
            h = y
        }
        let head = head(&b, h, prefix: prefix)
        taps["pool"] = head.pool
        taps["feature"] = head.feature
        taps["logits"] = head.logits
        return taps
    }

    /// One block on channels-last x [N, H, W, C].
    func block(_ b: inout GraphBuilder, _ name: String, _ x: ValueID, dim: Int, rate: Double) -> ValueID {
        let trunc = Initializer.truncatedNormal(std: 0.02)
        let weight = b.parameter("\(name).dwconv.weight", [dim, 1, blockKernel, blockKernel], trunc)
        let bias = b.parameter("\(name).dwconv.bias", [dim], .zeros)
        var h = b.apply("depthwise_conv2d_nhwc", name: "\(name).dwconv", inputs: [x, weight, bias])[0]
        h = b.layerNorm("\(name).norm", h, eps: eps)
        h = b.linear("\(name).pwconv1", h, out: mlpRatio * dim, weightInit: trunc, biasInit: .zeros)
        h = b.unary("gelu", "\(name).act", h)
        h = b.linear("\(name).pwconv2", h, out: dim, weightInit: trunc, biasInit: .zeros)
        let gamma = b.parameter("\(name).gamma", [dim], .constant(layerScaleInit))
        h = b.apply("layer_scale", name: "\(name).layer_scale", params: .object([("axis", .int(-1))]), inputs: [h, gamma])[0]
        h = b.dropPath("\(name).drop_path", h, rate: rate)
        return b.add("\(name).add", x, h)
    }

    func checkConfiguration(_ b: inout GraphBuilder) -> Bool {
        var problems: [String] = []
        if depths.isEmpty || depths.count != dims.count {
            problems.append("depths \(depths) and dims \(dims) must list the same number (at least 1) of stages")
        }
        if depths.contains(where: { $0 < 0 }) || dims.contains(where: { $0 < 1 }) {
            problems.append("depths must not be negative and dims must be positive")
        }
        if classes < 1 || mlpRatio < 1 || blockKernel < 1 || blockKernel % 2 == 0 {
            problems.append("classes and mlp ratio must be positive and the block kernel odd")
        }
        if !(dropPathRate >= 0 && dropPathRate < 1) { problems.append("drop path rate must be in [0, 1), got \(dropPathRate)") }
        for p in problems { b.error("convnext: \(p)") }
        return problems.isEmpty
    }
}
