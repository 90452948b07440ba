import CanopyPlugins
import CanopyRuntime
import Testing

/// Parameter and MAC counts of the CIFAR ResNets against the published ones
/// (exact values from scripts/backbone_counts.py, option-B shortcuts, per image).
@Suite struct ResNetCIFARTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var depth: Int, block: ResNetCIFAR.Block, blocks: Int, classes: Int, size: Int, channels: Int
        var params: Int, macs: Int
        var testDescription: String { "ResNet-\(depth) \(block) \(channels)x\(size)x\(size) K=\(classes)" }
    }

    static let cases: [Case] = [
        Case(depth: 20, block: .basic, blocks: 3, classes: 100, size: 32, channels: 3, params: 278_324, macs: 40_818_944),
        Case(depth: 32, block: .basic, blocks: 5, classes: 100, size: 32, channels: 3, params: 472_756, macs: 69_130_496),
        Case(depth: 32, block: .basic, blocks: 5, classes: 10, size: 28, channels: 1, params: 466_618, macs: 52_697_984),
        Case(depth: 56, block: .basic, blocks: 9, classes: 100, size: 32, channels: 3, params: 861_620, macs: 125_753_600),
        Case(depth: 110, block: .basic, blocks: 18, classes: 100, size: 32, channels: 3, params: 1_736_564, macs: 253_155_584),
        Case(depth: 110, block: .bottleneck, blocks: 12, classes: 100, size: 32, channels: 3, params: 1_170_868, macs: 167_453_696),
    ]

    @Test(arguments: cases)
    func countsMatchReference(_ c: Case) {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let net = ResNetCIFAR(depth: c.depth, block: c.block, classes: c.classes, blocksPerStage: c.blocks)
        let x = b.input("x", TensorSpec([1, c.channels, c.size, c.size]))
        let logits = net.build(&b, x)
        #expect(b.errors.isEmpty, "\(b.errors)")
        #expect(b.spec(logits).shape == [1, c.classes])
        let params = b.graph.parameters.reduce(0) { $0 + b.graph[$1].spec.shape.count }
        let macs = b.graph.nodes.reduce(0) { $0 + $1.kernel.macs }
        #expect(params == c.params)
        #expect(macs == c.macs)
    }
}
