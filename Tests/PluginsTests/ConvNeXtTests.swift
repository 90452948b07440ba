import CanopyPlugins
import CanopyRuntime
import Testing

/// ConvNeXt: parameter and MAC counts of every named variant against
/// the published parameter and MAC counts (exact values from scripts/backbone_counts.py, per
/// image), the peer copy from stage 4 on, taps, drop-path nodes and resolution errors.
@Suite struct ConvNeXtTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var variant: String, channels: Int, size: Int, classes: Int, stem: Int
        var params: Int, macs: Int, sharedParams: Int, sharedMacs: Int
        var testDescription: String { "ConvNeXt-\(variant) \(channels)x\(size)x\(size) stem k\(stem)s\(stem) K=\(classes)" }
    }

    static let cases: [Case] = [
        // ImageNet 224, K = 1000, patchify stem (checks against the published sizes).
        Case(
            variant: "atto", channels: 3, size: 224, classes: 1000, stem: 4, params: 3_695_520, macs: 547_332_480, sharedParams: 1_492_920,
            sharedMacs: 455_159_040),
        Case(
            variant: "femto", channels: 3, size: 224, classes: 1000, stem: 4, params: 5_217_784, macs: 779_629_824, sharedParams: 2_132_496,
            sharedMacs: 647_345_664),
        Case(
            variant: "pico", channels: 3, size: 224, classes: 1000, stem: 4, params: 9_045_672, macs: 1_367_055_360, sharedParams: 3_752_640,
            sharedMacs: 1_132_873_728),
        Case(
            variant: "nano", channels: 3, size: 224, classes: 1000, stem: 4, params: 15_593_560, macs: 2_445_528_320, sharedParams: 7_502_960,
            sharedMacs: 2_080_547_840),
        Case(
            variant: "tiny", channels: 3, size: 224, classes: 1000, stem: 4, params: 28_589_128, macs: 4_455_531_264, sharedParams: 12_348_000,
            sharedMacs: 3_697_795_584),
        // CIFAR (K = 100) and Fashion-MNIST (K = 10) forms.
        Case(
            variant: "atto", channels: 3, size: 32, classes: 100, stem: 4, params: 3_406_620, macs: 11_195_520, sharedParams: 1_492_920,
            sharedMacs: 9_288_960),
        Case(
            variant: "atto", channels: 3, size: 32, classes: 100, stem: 2, params: 3_405_180, macs: 44_317_440, sharedParams: 1_491_480,
            sharedMacs: 36_787_200),
        Case(
            variant: "atto", channels: 3, size: 32, classes: 100, stem: 1, params: 3_404_820, macs: 176_805_120, sharedParams: 1_491_120,
            sharedMacs: 146_780_160),
        Case(
            variant: "atto", channels: 1, size: 28, classes: 10, stem: 2, params: 3_375_970, macs: 25_667_360, sharedParams: 1_491_160,
            sharedMacs: 23_789_600),
        Case(
            variant: "atto", channels: 1, size: 28, classes: 10, stem: 1, params: 3_375_850, macs: 129_190_080, sharedParams: 1_491_040,
            sharedMacs: 112_315_840),
        Case(
            variant: "femto", channels: 3, size: 32, classes: 100, stem: 2, params: 4_869_556, macs: 63_207_936, sharedParams: 2_130_768,
            sharedMacs: 52_402_176),
        Case(
            variant: "femto", channels: 3, size: 32, classes: 100, stem: 1, params: 4_869_124, macs: 252_274_176, sharedParams: 2_130_336,
            sharedMacs: 209_166_336),
        Case(
            variant: "pico", channels: 3, size: 32, classes: 100, stem: 2, params: 8_581_668, macs: 111_015_936, sharedParams: 3_750_336,
            sharedMacs: 91_889_664),
        Case(
            variant: "pico", channels: 3, size: 32, classes: 100, stem: 1, params: 8_581_092, macs: 443_320_320, sharedParams: 3_749_760,
            sharedMacs: 366_968_832),
        Case(
            variant: "nano", channels: 3, size: 32, classes: 100, stem: 4, params: 15_016_660, macs: 49_959_680, sharedParams: 7_502_960,
            sharedMacs: 42_460_160),
        Case(
            variant: "nano", channels: 3, size: 32, classes: 100, stem: 2, params: 15_013_780, macs: 198_909_440, sharedParams: 7_500_080,
            sharedMacs: 169_103_360),
        Case(
            variant: "nano", channels: 3, size: 32, classes: 100, stem: 1, params: 15_013_060, macs: 794_708_480, sharedParams: 7_499_360,
            sharedMacs: 675_676_160),
        Case(
            variant: "tiny", channels: 3, size: 32, classes: 100, stem: 4, params: 27_897_028, macs: 90_990_336, sharedParams: 12_348_000,
            sharedMacs: 75_465_216),
        Case(
            variant: "tiny", channels: 3, size: 32, classes: 100, stem: 2, params: 27_893_572, macs: 362_846_208, sharedParams: 12_344_544,
            sharedMacs: 300_976_128),
        Case(
            variant: "tiny", channels: 3, size: 32, classes: 100, stem: 1, params: 27_892_708, macs: 1_450_269_696, sharedParams: 12_343_680,
            sharedMacs: 1_203_019_776),
        Case(
            variant: "tiny", channels: 1, size: 28, classes: 10, stem: 2, params: 27_823_594, macs: 209_726_784, sharedParams: 12_343_776,
            sharedMacs: 194_270_784),
    ]

    @Test(arguments: cases)
    func countsMatchReference(_ c: Case) throws {
        var net = try #require(ConvNeXt(variant: c.variant, classes: c.classes))
        net.stemKernel = c.stem
        net.stemStride = c.stem
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
        let net = ConvNeXt(depths: [1, 1, 2, 1], dims: [8, 16, 24, 32], classes: 10)
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let taps = net.build(&b, b.input("x", TensorSpec([2, 3, 32, 32])))
        #expect(b.errors.isEmpty, "\(b.errors)")
        #expect(Set(taps.keys) == ["stem", "stage1", "stage2", "stage3", "stage4", "pool", "feature", "logits"])
        let shapes = [
            "stem": [2, 8, 16, 16], "stage1": [2, 8, 16, 16], "stage2": [2, 16, 8, 8], "stage3": [2, 24, 4, 4],
            "stage4": [2, 32, 2, 2], "pool": [2, 32], "feature": [2, 32], "logits": [2, 10],
        ]
        for (tap, dims) in shapes { #expect(b.spec(taps[tap]!).shape.dims == dims, "\(tap)") }
        let names = Set(b.graph.parameters.map { b.graph[$0].name })
        for name in [
            "stem.0.weight", "stem.1.bias", "downsample_layers.1.0.weight", "downsample_layers.3.1.bias",
            "stages.0.0.dwconv.weight", "stages.2.1.gamma", "stages.3.0.pwconv2.bias", "norm.weight", "head.bias",
        ] {
            #expect(names.contains(name), "\(name)")
        }
        #expect(b.graph.value(named: DropPath.seedInput) == nil, "no drop path at rate 0")
    }

    @Test func dropPathRatesRiseOverAllBlocksAndPeersKeepThem() throws {
        var net = ConvNeXt(depths: [1, 1, 2, 1], dims: [8, 16, 24, 32], classes: 10)
        net.dropPathRate = 0.4
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let taps = net.build(&b, b.input("x", TensorSpec([2, 3, 32, 32])))
        _ = net.rest(&b, from: 4, taps["stage3"]!, prefix: "branch.1.")
        #expect(b.errors.isEmpty, "\(b.errors)")
        let drops = b.graph.nodes.filter { $0.kernelName == "drop_path" }
        let rates = drops.map { ($0.name, $0.params["rate"]) }
        #expect(
            rates.map(\.0) == [
                "stages.1.0.drop_path", "stages.2.0.drop_path", "stages.2.1.drop_path",
                "stages.3.0.drop_path", "branch.1.stages.3.0.drop_path",
            ])
        for ((_, rate), expected) in zip(rates, [0.1, 0.2, 0.3, 0.4, 0.4]) {
            guard case let .double(r)? = rate else {
                Issue.record("rate \(String(describing: rate))")
                continue
            }
            #expect(abs(r - expected) < 1e-12)
        }
        #expect(Set(drops.map { $0.params["salt"]!.description }).count == drops.count, "every node its own salt")
        let seed = try #require(b.graph.value(named: DropPath.seedInput))
        #expect(drops.allSatisfy { $0.inputs[1] == seed })
    }

    @Test func resolutionErrorsAreReported() {
        // Stem 4 on 28x28 leaves 7 -> 3 -> 1 -> nothing at stage 4.
        var net = ConvNeXt(variant: "atto", classes: 10)!
        net.stemKernel = 4
        net.stemStride = 4
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let taps = net.build(&b, b.input("x", TensorSpec([1, 1, 28, 28])))
        #expect(
            b.errors.map(\.message) == [
                "convnext stage 4: the 1x1 map is smaller than the 2x2 downsampling conv (use a smaller stem stride or fewer stages)"
            ])
        #expect(taps["stage3"] != nil && taps["stage4"] == nil && taps["logits"] == nil)

        net.stemKernel = 40
        var c = GraphBuilder(kernels: BuiltInKernels.registry())
        #expect(net.build(&c, c.input("x", TensorSpec([1, 3, 32, 32]))).isEmpty)
        #expect(c.errors.map(\.message) == ["convnext: the stem conv k40 s4 p0 leaves no map of the 32x32 input"])

        var d = GraphBuilder(kernels: BuiltInKernels.registry())
        let bad = ConvNeXt(depths: [1, 1], dims: [8], classes: 10)
        #expect(bad.build(&d, d.input("x", TensorSpec([1, 3, 32, 32]))).isEmpty)
        #expect(d.errors.count == 1)
        #expect(bad.rest(&d, from: 3, d.graph.inputs[0], prefix: "p.").isEmpty)

        var e = GraphBuilder(kernels: BuiltInKernels.registry())
        #expect(net.stage(&e, 5, e.input("x", TensorSpec([1, 320, 2, 2]))) == nil)
        #expect(e.errors.map(\.message) == ["convnext: there is no stage 5; the network has stages 1...4"])
    }
}
