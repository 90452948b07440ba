import CanopyRuntime

/// CIFAR ResNet of depth 6n+2 (He et al. 2016) as the OKD code bases build it: 3x3 stem
/// without max-pool, three stages at strides 1, 2, 2, option-B shortcuts (1x1 conv +
/// BN) where the shape changes, global average pool, fc. Basic blocks by default;
/// bottleneck blocks (expansion 4) for the OKDDip/AHBF ResNet-110 and the CSS ResNet-56.
/// Parameter names are the PyTorch state_dict names (`conv1`, `bn1`, `layer1.0.conv1`,
/// `layer2.0.downsample.0`, `fc`); Kaiming-normal fan-out convs, BN 1/0, default fc.
public struct ResNetCIFAR: Sendable {
    public enum Block: String, Sendable { case basic, bottleneck }

    /// Blocks per stage.
    public var blocksPerStage: Int
    public var block: Block
    /// Stage widths (planes); the output channels are planes x expansion.
    public var widths: [Int] = [16, 32, 64]
    public var classes: Int

    public init(depth: Int, block: Block = .basic, classes: Int, blocksPerStage: Int? = nil) {
        self.blocksPerStage = blocksPerStage ?? (block == .basic ? (depth - 2) / 6 : (depth - 2) / 9)
        self.block = block
        self.classes = classes
    }

    public var expansion: Int { block == .basic ? 1 : 4 }

    /// The stem: conv1, bn1, relu, under `prefix`. Returns the stem output (tap "stem").
    public func stem(_ b: inout GraphBuilder, _ x: ValueID, prefix: String = "") -> ValueID {
        let y = b.conv2d("\(prefix)conv1", x, out: widths[0], kernel: 3, padding: 1)
        return b.unary("relu", "\(prefix)relu", b.batchNorm("\(prefix)bn1", y))
    }

    /// Stage `s` (1-based) as `layer<s>`, under `prefix` (e.g. "branch.0." for a peer copy).
    public func stage(_ b: inout GraphBuilder, _ s: Int, _ x: ValueID, prefix: String = "") -> ValueID {
        var h = x
        for i in 0..<blocksPerStage {
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
        var h = stem(&b, x)
        for s in 1...3 { h = stage(&b, s, h) }
        return head(&b, h).logits
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
