import CanopyRuntime

/// A CIFAR ResNet (He et al. 2016) as the OKD and SKD code bases build it: 3x3 stem
/// (stride 1, no bias) + BN + ReLU without max-pool, one stage per width, the first block
/// of every stage after the first at stride 2, option-B shortcuts (1x1 conv with the
/// stride, no bias, + BN) where the shape changes, global average pool, fc with bias.
/// Basic blocks, or bottleneck blocks (expansion 4, torchvision style: the stride on the 3x3).
///
/// Two families use it: the 3-stage depth-6n+2 nets (widths 16/32/64; bottleneck 9n+2 for
/// the OKDDip/AHBF ResNet-110 and the CSS ResNet-56), `init(depth:block:classes:blocksPerStage:)`,
/// and the 4-stage ResNet-18/34/50/101/152 of kuangliu's pytorch-cifar and LightSKD
/// (widths 64/128/256/512), `init(blocks:widths:block:classes:)`.
///
/// Parameter names are torchvision's state_dict names: `conv1`, `bn1`, `layer1.0.conv1`,
/// `layer2.0.downsample.0` / `.1` (kuangliu and LightSKD call these `shortcut.0` / `.1`,
/// and the fc `linear`), `fc`. Kaiming-normal fan-out convs, BN 1/0, PyTorch-default fc.
public struct ResNetCIFAR: Sendable {
    public enum Block: String, Sendable { case basic, bottleneck }

    /// Blocks of each stage; there are as many stages as entries.
    public var blocks: [Int]
    public var block: Block
    /// Stage widths (planes), one a stage; the stem has `widths[0]` channels and a
    /// stage's output has planes x expansion.
    public var widths: [Int]
    public var classes: Int

    /// The 3-stage net of depth 6n+2 (basic) or 9n+2 (bottleneck), n blocks a stage
    /// (`blocksPerStage` overrides n), widths 16/32/64.
    public init(depth: Int, block: Block = .basic, classes: Int, blocksPerStage: Int? = nil) {
        let n = blocksPerStage ?? (block == .basic ? (depth - 2) / 6 : (depth - 2) / 9)
        self.init(blocks: [n, n, n], widths: [16, 32, 64], block: block, classes: classes)
    }

    /// A net of `blocks.count` stages; `widths` has one entry a stage.
    public init(blocks: [Int], widths: [Int], block: Block = .basic, classes: Int) {
        self.blocks = blocks
        self.widths = widths
        self.block = block
        self.classes = classes
    }

    public var expansion: Int { block == .basic ? 1 : 4 }
    public var stageCount: Int { blocks.count }

    /// The stem: conv1, bn1, relu, under `prefix`. Returns the stem output (tap "stem").
    public func stem(_ b: inout GraphBuilder, _ x: ValueID, prefix: String = "") -> ValueID {
        let y = b.conv2d("\(prefix)conv1", x, out: widths[0], kernel: 3, padding: 1)
        return b.unary("relu", "\(prefix)relu", b.batchNorm("\(prefix)bn1", y))
    }

    /// Stage `s` (1-based) as `layer<s>`, under `prefix` (e.g. "branch.0." for a peer copy).
    public func stage(_ b: inout GraphBuilder, _ s: Int, _ x: ValueID, prefix: String = "") -> ValueID {
        var h = x
        for i in 0..<blocks[s - 1] {
            let stride = s > 1 && i == 0 ? 2 : 1
            h = self.block(&b, "\(prefix)layer\(s).\(i)", h, planes: widths[s - 1], stride: stride)
        }
        return h
    }

    /// Global average pool and fc, under `prefix`. Returns (pooled feature, logits).
    public func head(_ b: inout GraphBuilder, _ x: ValueID, prefix: String = "") -> (feature: ValueID, logits: ValueID) {
        let f = b.unary("global_avgpool", "\(prefix)avgpool", x)
        return (f, b.linear("\(prefix)fc", f, out: classes))
    }

    /// The whole network; returns the logits.
    public func build(_ b: inout GraphBuilder, _ x: ValueID) -> ValueID {
        trunk(&b, input: x, until: nil)["logits"]!
    }

    /// Taps in network order: stem, stage1 ... stage<n>, feature (pooled), logits.
    public var taps: [String] { ["stem"] + (1...stageCount).map { "stage\($0)" } + ["feature", "logits"] }
    /// "input" (every peer a whole network) and every stage but the last.
    public var branchPoints: [String] { ["input"] + (1..<stageCount).map { "stage\($0)" } }

    /// The network from `input` up to and including tap `until` (all of it when nil); returns the taps.
    public func trunk(_ b: inout GraphBuilder, input: ValueID, until: String?) -> [String: ValueID] {
        if until == "input" { return [:] }
        var h = stem(&b, input)
        var taps = ["stem": h]
        if until == "stem" { return taps }
        for s in 1...stageCount {
            h = stage(&b, s, h)
            taps["stage\(s)"] = h
            if until == "stage\(s)" { return taps }
        }
        let (feature, logits) = head(&b, h)
        taps["feature"] = feature
        taps["logits"] = logits
        return taps
    }

    /// The part after tap `after`, fed by `from`, under `prefix`; returns the taps.
    public func branch(_ b: inout GraphBuilder, from: ValueID, after: String, prefix: String) -> [String: ValueID] {
        var taps: [String: ValueID] = [:]
        var h = from
        if after == "input" {
            h = stem(&b, from, prefix: prefix)
            taps["stem"] = h
        }
        let first = after == "input" || after == "stem" ? 1 : (Int(after.dropFirst("stage".count)) ?? stageCount) + 1
        for s in stride(from: first, through: stageCount, by: 1) {
            h = stage(&b, s, h, prefix: prefix)
            taps["stage\(s)"] = h
        }
        let (feature, logits) = head(&b, h, prefix: prefix)
        taps["feature"] = feature
        taps["logits"] = logits
        return taps
    }

    func block(_ b: inout GraphBuilder, _ name: String, _ x: ValueID, planes: Int, stride: Int) -> ValueID {
        let cin = b.isPoisoned(x) ? planes : b.spec(x).shape[1]
        let out = planes * expansion
        var h: ValueID
        switch block {
        case .basic:
            h = b.conv2d("\(name).conv1", x, out: planes, kernel: 3, stride: stride, padding: 1)
            h = b.unary("relu", "\(name).relu1", b.batchNorm("\(name).bn1", h))
            h = b.batchNorm("\(name).bn2", b.conv2d("\(name).conv2", h, out: planes, kernel: 3, padding: 1))
        case .bottleneck:
            h = b.conv2d("\(name).conv1", x, out: planes, kernel: 1)
            h = b.unary("relu", "\(name).relu1", b.batchNorm("\(name).bn1", h))
            h = b.conv2d("\(name).conv2", h, out: planes, kernel: 3, stride: stride, padding: 1)
            h = b.unary("relu", "\(name).relu2", b.batchNorm("\(name).bn2", h))
            h = b.batchNorm("\(name).bn3", b.conv2d("\(name).conv3", h, out: out, kernel: 1))
        }
        var shortcut = x
        if stride != 1 || cin != out {
            shortcut = b.batchNorm("\(name).downsample.1", b.conv2d("\(name).downsample.0", x, out: out, kernel: 1, stride: stride))
        }
        return b.unary("relu", "\(name).relu", b.add("\(name).add", h, shortcut))
    }
}
