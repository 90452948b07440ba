import CanopyPlugins
import CanopyRuntime
import Testing

/// CSWin: parameter and MAC counts of every named variant against
/// the published parameter and MAC counts (exact values from scripts/backbone_counts.py, per
/// image), the peer copy from stage 4 on, taps, names and resolution errors.
@Suite struct CSWinTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var variant: String, channels: Int, size: Int, classes: Int
        var stem: (k: Int, s: Int, p: Int), splits: [Int]
        var params: Int, macs: Int, sharedParams: Int, sharedMacs: Int
        var testDescription: String {
            "CSWin-\(variant) \(channels)x\(size)x\(size) stem k\(stem.k)s\(stem.s)p\(stem.p) splits \(splits) K=\(classes)"
        }
    }

    static let cases: [Case] = [
        Case(
            variant: "T", channels: 3, size: 224, classes: 1000, stem: (7, 4, 2), splits: [1, 2, 7, 7],
            params: 22_320_552, macs: 4_324_203_008, sharedParams: 17_467_840, sharedMacs: 4_109_063_168),
        Case(
            variant: "S", channels: 3, size: 224, classes: 1000, stem: (7, 4, 2), splits: [1, 2, 7, 7],
            params: 34_643_304, macs: 6_800_714_752, sharedParams: 26_633_088, sharedMacs: 6_428_749_824),
        Case(
            variant: "B", channels: 3, size: 224, classes: 1000, stem: (7, 4, 2), splits: [1, 2, 7, 7],
            params: 77_382_184, macs: 14_955_348_480, sharedParams: 59_764_032, sharedMacs: 14_122_838_016),
        Case(
            variant: "T", channels: 3, size: 32, classes: 100, stem: (7, 4, 2), splits: [1, 2, 1, 1],
            params: 21_858_852, macs: 83_325_440, sharedParams: 17_467_840, sharedMacs: 78_943_232),
        Case(
            variant: "T", channels: 3, size: 32, classes: 100, stem: (7, 2, 3), splits: [1, 2, 2, 2],
            params: 21_858_852, macs: 334_716_928, sharedParams: 17_467_840, sharedMacs: 317_329_408),
        Case(
            variant: "T", channels: 3, size: 32, classes: 100, stem: (3, 1, 1), splits: [1, 2, 4, 4],
            params: 21_851_172, macs: 1_351_755_776, sharedParams: 17_460_160, sharedMacs: 1_282_162_688),
        Case(
            variant: "T", channels: 1, size: 28, classes: 10, stem: (7, 4, 2), splits: [1, 2, 1, 1],
            params: 21_806_410, macs: 82_063_360, sharedParams: 17_461_568, sharedMacs: 77_727_232),
        Case(
            variant: "S", channels: 3, size: 32, classes: 100, stem: (7, 4, 2), splits: [1, 2, 1, 1],
            params: 34_181_604, macs: 130_868_224, sharedParams: 26_633_088, sharedMacs: 123_334_656),
        Case(
            variant: "S", channels: 3, size: 32, classes: 100, stem: (7, 2, 3), splits: [1, 2, 2, 2],
            params: 34_181_604, macs: 525_965_312, sharedParams: 26_633_088, sharedMacs: 495_960_064),
        Case(
            variant: "B", channels: 3, size: 32, classes: 100, stem: (7, 2, 3), splits: [1, 2, 2, 2],
            params: 76_690_084, macs: 1_177_052_160, sharedParams: 59_764_032, sharedMacs: 1_109_630_976),
    ]

    @Test(arguments: cases)
    func countsMatchReference(_ c: Case) throws {
        var net = try #require(CSWin(variant: c.variant, splitSizes: c.splits, classes: c.classes))
        (net.stemKernel, net.stemStride, net.stemPadding) = c.stem
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.input("x", TensorSpec([1, c.channels, c.size, c.size]))
        let taps = net.build(&b, x)
        let stage3 = try #require(taps["stage3"])
        let peer = net.rest(&b, from: 4, stage3, prefix: "branch.0.")
        #expect(b.errors.isEmpty, "\(b.errors)")
        #expect(b.spec(try #require(taps["logits"])).shape == [1, c.classes])
        #expect(b.spec(try #require(peer["logits"])).shape == [1, c.classes])
        let (trunkParams, peerParams) = BackboneCounts.parameters(b.graph, prefix: "branch.0.")
        let (trunkMacs, peerMacs) = BackboneCounts.macs(b.graph, prefix: "branch.0.")
        #expect(trunkParams == c.params)
        #expect(trunkMacs == c.macs)
        #expect(peerParams == c.params - c.sharedParams)
        #expect(peerMacs == c.macs - c.sharedMacs)
    }

    @Test func tapsAndNames() throws {
        let net = CSWin(embedDim: 16, depths: [1, 1, 1, 1], heads: [2, 2, 4, 4], classes: 10)
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let taps = net.build(&b, b.input("x", TensorSpec([2, 3, 32, 32])))
        #expect(b.errors.isEmpty, "\(b.errors)")
        let shapes = [
            "stem": [2, 16, 16, 16], "stage1": [2, 16, 16, 16], "stage2": [2, 32, 8, 8], "stage3": [2, 64, 4, 4],
            "stage4": [2, 128, 2, 2], "pool": [2, 128], "feature": [2, 128], "logits": [2, 10],
        ]
        #expect(Set(taps.keys) == Set(shapes.keys))
        for (tap, dims) in shapes { #expect(b.spec(taps[tap]!).shape.dims == dims, "\(tap)") }
        let names = Set(b.graph.parameters.map { b.graph[$0].name })
        for name in [
            "stage1_conv_embed.0.weight", "stage1_conv_embed.2.bias", "merge1.conv.weight", "merge3.norm.bias",
            "stage1.0.attns.1.get_v.weight", "stage3.0.qkv.bias", "stage4.0.attns.0.get_v.bias", "stage2.0.mlp.fc2.weight",
            "norm.weight", "head.bias",
        ] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(!names.contains("stage4.0.attns.1.get_v.weight"), "the last stage has one branch")
        // q per branch: stage 1 has 16 vertical 16x1 and 16 horizontal 1x16 stripes per image, one head each; stage 4 one window.
        let attention = b.graph.nodes.filter { $0.kernelName == "attention" }.map { b.spec($0.inputs[0]).shape.dims }
        #expect(attention == [[32, 1, 16, 8], [32, 1, 16, 8], [8, 1, 16, 16], [8, 1, 16, 16], [4, 2, 8, 16], [4, 2, 8, 16], [2, 4, 4, 32]])
    }

    @Test func dropPathOnBothResidualsWithTheirOwnMasks() {
        var net = CSWin(embedDim: 16, depths: [1, 1, 1, 1], heads: [2, 2, 4, 4], classes: 10)
        net.dropPathRate = 0.3
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        _ = net.build(&b, b.input("x", TensorSpec([2, 3, 32, 32])))
        #expect(b.errors.isEmpty, "\(b.errors)")
        let drops = b.graph.nodes.filter { $0.kernelName == "drop_path" }
        #expect(
            drops.map(\.name) == [
                "stage2.0.drop_path1", "stage2.0.drop_path2", "stage3.0.drop_path1", "stage3.0.drop_path2",
                "stage4.0.drop_path1", "stage4.0.drop_path2",
            ])
        #expect(Set(drops.map { $0.params["salt"]!.description }).count == drops.count)
    }

    @Test func resolutionErrorsAreReported() {
        // The stride-2 stem on 32x32 gives maps 16/8/4/2; split 3 does not divide stage 2's 8x8.
        let net = CSWin(variant: "T", splitSizes: [1, 3, 2, 2], classes: 10)!
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let taps = net.build(&b, b.input("x", TensorSpec([1, 3, 32, 32])))
        #expect(b.errors.map(\.message) == ["cswin stage 2: split size 3 does not divide the 8x8 map"])
        #expect(taps["stage1"] != nil && taps["stage2"] == nil)

        var small = CSWin(variant: "T", classes: 10)!
        (small.stemKernel, small.stemStride, small.stemPadding) = (7, 2, 0)
        var c = GraphBuilder(kernels: BuiltInKernels.registry())
        #expect(small.build(&c, c.input("x", TensorSpec([1, 3, 6, 6]))).isEmpty)
        #expect(c.errors.map(\.message) == ["cswin: the stem conv k7 s2 p0 leaves no map of the 6x6 input"])

        let odd = CSWin(embedDim: 16, depths: [1, 1], heads: [3, 4], splitSizes: [1, 2], classes: 10)
        var d = GraphBuilder(kernels: BuiltInKernels.registry())
        _ = odd.build(&d, d.input("x", TensorSpec([1, 3, 32, 32])))
        #expect(
            d.errors.map(\.message) == [
                "cswin stage 1: stripe attention splits the heads in two halves; 3 heads must be even and divide the 16 channels"
            ])

        var e = GraphBuilder(kernels: BuiltInKernels.registry())
        #expect(net.stage(&e, 0, tokens: nil, map: e.input("x", TensorSpec([1, 64, 16, 16]))) == nil)
        #expect(e.errors.map(\.message) == ["cswin: there is no stage 0; the network has stages 1...4"])
    }
}
