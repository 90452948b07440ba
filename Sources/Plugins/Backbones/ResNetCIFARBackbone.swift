import CanopyRuntime
import CanopySpecs

/// Backbone plugin `resnet_cifar`: the CIFAR ResNet of depth 6n+2 (basic blocks) or
/// 9n+2 (bottleneck blocks), option-B shortcuts; see `ResNetCIFAR`.
/// Taps: stem, stage1, stage2, stage3, feature (pooled), logits. Peers fork after
/// input (whole networks), stage1 or stage2 (copies of the later stages and the fc).
public struct ResNetCIFARBackbone: ResNetCIFARFamily {
    public struct Params: PluginParams {
        @Param("6n+2 for basic blocks (20, 32, 56, 110), 9n+2 for bottleneck blocks (110 = 12 per stage)", required: true)
        public var depth = 20
        @Param("block type; bottleneck has expansion 4", type: "basic | bottleneck") public var block = "basic"
        @Param(
            "override n (the ONE code's ResNet-110 is bottleneck with 18)", .between(1, Double(maxBlocksPerStage)),
            shownDefault: "from depth")
        public var blocksPerStage: Int? = nil
        @Param("planes of the three stages", type: "[int, int, int], each 1...\(maxWidth)") public var widths = [16, 32, 64]
        @Param(
            "blocks of each stage when they differ (CSS's small nets); depth must then be 2 (basic) or 3 (bottleneck) times their sum, plus 2",
            type: "[int, int, int], each 1...\(maxBlocksPerStage)", shownDefault: "from depth")
        public var stageBlocks: [Int] = []
        public init() {}
    }

    public static let name = "resnet_cifar"
    public static let summary =
        "CIFAR ResNet (He et al. 2016) as the OKD code bases build it: 3x3 stem, 3 stages, option-B shortcuts, global pool, fc"

    /// The deepest network built: 200 blocks per stage (He et al.'s ResNet-1202).
    public static let maxBlocksPerStage = 200
    /// The widest stage.
    public static let maxWidth = 4096

    public let net: ResNetCIFAR

    public init(params: Params, input: Shape, classes: Int) throws(ParamError) {
        guard let block = ResNetCIFAR.Block(rawValue: params.block) else {
            throw ParamError(path: ["block"], "unknown block '\(params.block)' (basic or bottleneck)")
        }
        let divisor = block == .basic ? 6 : 9
        if !params.stageBlocks.isEmpty {
            let layers = (block == .basic ? 2 : 3) * params.stageBlocks.reduce(0, +) + 2
            if params.stageBlocks.count != 3 || params.stageBlocks.contains(where: { !(1...Self.maxBlocksPerStage).contains($0) }) {
                throw ParamError(
                    path: ["stage_blocks"], "expected three block counts between 1 and \(Self.maxBlocksPerStage), found \(params.stageBlocks)")
            }
            if params.depth != layers || params.blocksPerStage != nil {
                throw ParamError(
                    path: ["depth"],
                    "stage_blocks \(params.stageBlocks) of \(params.block) blocks make depth \(layers), not \(params.depth) (and leave out blocks_per_stage)"
                )
            }
        } else if params.blocksPerStage == nil && (params.depth < divisor + 2 || (params.depth - 2) % divisor != 0) {
            throw ParamError(path: ["depth"], "depth \(params.depth) is not \(divisor)n+2 for \(params.block) blocks")
        }
        if params.stageBlocks.isEmpty && params.blocksPerStage == nil && (params.depth - 2) / divisor > Self.maxBlocksPerStage {
            throw ParamError(
                path: ["depth"],
                "depth \(params.depth) is more than \(Self.maxBlocksPerStage) blocks per stage "
                    + "(at most \(Self.maxBlocksPerStage * divisor + 2) for \(params.block) blocks)")
        }
        try Self.checkWidths(params.widths, stages: 3)
        var net = ResNetCIFAR(depth: params.depth, block: block, classes: classes, blocksPerStage: params.blocksPerStage)
        if !params.stageBlocks.isEmpty { net.blocks = params.stageBlocks }
        net.widths = params.widths
        self.net = net
    }
}

/// A backbone plugin built on a `ResNetCIFAR`: its taps, branch points and emission are the net's.
public protocol ResNetCIFARFamily: BackbonePlugin {
    var net: ResNetCIFAR { get }
}

extension ResNetCIFARFamily {
    public var taps: [String] { net.taps }
    public var branchPoints: [String] { net.branchPoints }

    /// Throws at `widths` unless there are `stages` of them, each 1...`ResNetCIFARBackbone.maxWidth`.
    static func checkWidths(_ widths: [Int], stages: Int) throws(ParamError) {
        let maxWidth = ResNetCIFARBackbone.maxWidth
        if widths.count != stages || widths.contains(where: { !(1...maxWidth).contains($0) }) {
            let count = [3: "three", 4: "four"][stages] ?? "\(stages)"
            throw ParamError(path: ["widths"], "expected \(count) stage widths between 1 and \(maxWidth), found \(widths)")
        }
    }

    public func emitTrunk(_ b: inout GraphBuilder, input: ValueID, until: String?) -> [String: ValueID] {
        net.trunk(&b, input: input, until: until)
    }

    public func emitBranch(_ b: inout GraphBuilder, from: ValueID, after: String, prefix: String, extraBlocks: Int) -> [String: ValueID] {
        var deeper = net
        deeper.blocks[deeper.stageCount - 1] += extraBlocks
        return deeper.branch(&b, from: from, after: after, prefix: prefix)
    }
}
