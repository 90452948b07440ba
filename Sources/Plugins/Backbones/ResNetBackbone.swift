import CanopyRuntime
import CanopySpecs

/// Backbone plugin `resnet`: the 4-stage CIFAR ResNet-18/34/50/101/152 of kuangliu's
/// pytorch-cifar, which LightSKD (`backbone/resnet.py`) uses for its tables. 3x3 stem
/// 3->64 (stride 1, pad 1, no bias) + BN + ReLU, no max-pool; stages of widths 64/128/256/512
/// at 32/16/8/4 on 32x32 (stride 2 in the first block of stages 2-4); basic blocks
/// [2,2,2,2] (18) and [3,4,6,3] (34), bottleneck blocks with expansion 4 [3,4,6,3] (50),
/// [3,4,23,3] (101), [3,8,36,3] (152); option-B shortcuts (1x1 conv with the stride, no
/// bias, + BN) where the shape changes; global average pool; fc with bias. See `ResNetCIFAR`,
/// whose blocks `resnet_cifar` shares.
///
/// Parameter names follow `resnet_cifar` and torchvision (`conv1`, `bn1`, `layer1.0.conv1`,
/// `layer2.0.downsample.0` / `.1`, `fc`), not kuangliu's and LightSKD's `shortcut.0` / `.1`
/// and `linear`: an export loads into torchvision-style code, and a kuangliu state_dict
/// loads after renaming those two. Init is §1.3's (Kaiming-normal fan-out convs, BN 1/0,
/// PyTorch-default fc), not kuangliu's PyTorch-default convs.
/// Taps: stem, stage1 ... stage4, feature (pooled, 512 or 2048 wide), logits. Peers fork
/// after input (whole networks), stage1, stage2 or stage3 (for stage3 a peer owns layer4 and the fc).
public struct ResNetBackbone: ResNetCIFARFamily {
    public struct Params: PluginParams {
        @Param("18 and 34 basic blocks, 50, 101 and 152 bottleneck blocks", type: "18 | 34 | 50 | 101 | 152", required: true)
        public var depth = 18
        @Param("planes of the four stages (bottleneck outputs are 4x)", type: "[int, int, int, int], each 1...\(ResNetCIFARBackbone.maxWidth)")
        public var widths = [64, 128, 256, 512]
        public init() {}
    }

    public static let name = "resnet"
    public static let summary =
        "CIFAR ResNet-18/34/50/101/152 (kuangliu pytorch-cifar, LightSKD): 3x3 stem, no max-pool, 4 stages, option-B shortcuts, global pool, fc"

    /// Block type and blocks per stage of each depth (He et al. 2016, Table 1).
    public static let depths: [Int: (block: ResNetCIFAR.Block, blocks: [Int])] = [
        18: (.basic, [2, 2, 2, 2]), 34: (.basic, [3, 4, 6, 3]),
        50: (.bottleneck, [3, 4, 6, 3]), 101: (.bottleneck, [3, 4, 23, 3]), 152: (.bottleneck, [3, 8, 36, 3]),
    ]

    public let net: ResNetCIFAR

    public init(params: Params, input: Shape, classes: Int) throws(ParamError) {
        guard let (block, blocks) = Self.depths[params.depth] else {
            throw ParamError(path: ["depth"], "depth \(params.depth) is not a ResNet depth (18, 34, 50, 101 or 152)")
        }
        try Self.checkWidths(params.widths, stages: 4)
        net = ResNetCIFAR(blocks: blocks, widths: params.widths, block: block, classes: classes)
    }
}
