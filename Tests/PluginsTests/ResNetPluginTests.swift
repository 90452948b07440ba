import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import Foundation
import Testing

/// The `resnet` backbone plugin (CIFAR ResNet-18/34/50/101/152, kuangliu / LightSKD): its
/// sizes against counts worked out by hand from the architecture, its PyTorch parameter
/// names, its taps, peers forking after stage 3, and positioned parameter errors.
@Suite struct ResNetPluginTests {
    /// The backbone of `depth` (and `widths`) built alone for [batch, 3, 32, 32] inputs and 100 classes.
    static func build(depth: Int, widths: [Int]? = nil, batch: Int = 1) throws -> (GraphBuilder, [String: ValueID]) {
        var pairs: [(key: String, value: ParamValue)] = [("depth", .int(depth))]
        if let widths { pairs.append(("widths", .array(widths.map { .int($0) }))) }
        let backbone = try ResNetBackbone.make(.object(pairs), input: [3, 32, 32], classes: 100)
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.input("x", TensorSpec([batch, 3, 32, 32]))
        let taps = backbone.emitTrunk(&b, input: x, until: nil)
        #expect(b.errors.isEmpty, "\(b.errors)")
        return (b, taps)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var depth: Int, params: Int, macs: Int
        var testDescription: String { "ResNet-\(depth)" }
    }

    /// Per image, K = 100, 32x32x3. Parameters: stem 1,856; basic block C->C 18C^2 + 4C;
    /// bottleneck 4w -> w -> 4w 17w^2 + 12w; first blocks add their 1x1 projection + BN; fc
    /// 512K + K (basic) or 2048K + K. ResNet-18 = 1,856 + 147,968 + 525,568 + 2,099,712 +
    /// 8,393,728 + 51,300. MACs: ResNet-18 = 1,769,472 (stem) + 150,994,944 (layer1) +
    /// 3 x 134,217,728 (layer2-4, the same at every stage) + 51,200 (fc). ResNet-101 and 152
    /// add 17 bottleneck blocks (1,117,184 or 280,064 params, 71,303,168 MACs each) at a time.
    static let cases = [
        Case(depth: 18, params: 11_220_132, macs: 555_468_800),
        Case(depth: 34, params: 21_328_292, macs: 1_159_448_576),
        Case(depth: 50, params: 23_705_252, macs: 1_298_014_208),
        Case(depth: 101, params: 42_697_380, macs: 2_510_168_064),
        Case(depth: 152, params: 58_341_028, macs: 3_722_321_920),
    ]

    @Test(arguments: cases)
    func countsMatchTheArchitecture(_ c: Case) throws {
        let (b, taps) = try Self.build(depth: c.depth)
        let params = b.graph.parameters.reduce(0) { $0 + b.graph[$1].spec.shape.count }
        let macs = b.graph.nodes.reduce(0) { $0 + $1.kernel.macs }
        #expect(params == c.params)
        #expect(macs == c.macs)
        #expect(b.spec(try #require(taps["logits"])).shape == [1, 100])
    }

    @Test(arguments: [(18, 1), (50, 4)])
    func tapsHaveTheStageShapes(_ depth: Int, _ expansion: Int) throws {
        let (b, taps) = try Self.build(depth: depth, batch: 3)
        #expect(Set(taps.keys) == ["stem", "stage1", "stage2", "stage3", "stage4", "feature", "logits"])
        #expect(b.spec(taps["stem"]!).shape == [3, 64, 32, 32])
        for (s, (width, size)) in [(64, 32), (128, 16), (256, 8), (512, 4)].enumerated() {
            #expect(b.spec(taps["stage\(s + 1)"]!).shape == [3, width * expansion, size, size])
        }
        #expect(b.spec(taps["feature"]!).shape == [3, 512 * expansion])
        #expect(b.spec(taps["logits"]!).shape == [3, 100])
    }

    @Test func widthsScaleTheStages() throws {
        let (b, taps) = try Self.build(depth: 18, widths: [8, 16, 32, 64], batch: 2)
        #expect(b.spec(taps["stem"]!).shape == [2, 8, 32, 32])
        #expect(b.spec(taps["stage4"]!).shape == [2, 64, 4, 4])
        // Stem 232; layer1 2 x 1,184; layer2 3,680 + 4,672; layer3 14,528 + 18,560; layer4 57,728 + 73,984; fc 6,500.
        #expect(b.graph.parameters.reduce(0) { $0 + b.graph[$1].spec.shape.count } == 182_252)
    }

    /// The torchvision state_dict names, in order (running statistics are kernel state).
    @Test func resNet18HasThePyTorchParameterNames() throws {
        let (b, _) = try Self.build(depth: 18)
        let names = b.graph.parameters.map { b.graph[$0].name }
        #expect(names.count == 62)
        #expect(
            Array(names.prefix(9)) == [
                "conv1.weight", "bn1.weight", "bn1.bias",
                "layer1.0.conv1.weight", "layer1.0.bn1.weight", "layer1.0.bn1.bias",
                "layer1.0.conv2.weight", "layer1.0.bn2.weight", "layer1.0.bn2.bias",
            ])
        #expect(
            Array(names.suffix(8)) == [
                "layer4.1.conv1.weight", "layer4.1.bn1.weight", "layer4.1.bn1.bias",
                "layer4.1.conv2.weight", "layer4.1.bn2.weight", "layer4.1.bn2.bias",
                "fc.weight", "fc.bias",
            ])
        let shapes = Dictionary(uniqueKeysWithValues: b.graph.parameters.map { (b.graph[$0].name, b.graph[$0].spec.shape) })
        #expect(shapes["layer2.0.downsample.0.weight"] == [128, 64, 1, 1])
        #expect(shapes["layer2.0.downsample.1.weight"] == [128])
        #expect(shapes["layer4.0.conv1.weight"] == [512, 256, 3, 3])
        #expect(shapes["fc.weight"] == [100, 512])
        #expect(shapes["layer1.0.downsample.0.weight"] == nil)
        #expect(
            names.filter { $0.contains("downsample.0") } == [
                "layer2.0.downsample.0.weight", "layer3.0.downsample.0.weight",
                "layer4.0.downsample.0.weight",
            ])
    }

    @Test func resNet50ProjectsIntoTheFirstStage() throws {
        let (b, _) = try Self.build(depth: 50)
        let shapes = Dictionary(uniqueKeysWithValues: b.graph.parameters.map { (b.graph[$0].name, b.graph[$0].spec.shape) })
        #expect(shapes["layer1.0.downsample.0.weight"] == [256, 64, 1, 1])
        #expect(shapes["layer1.0.conv3.weight"] == [256, 64, 1, 1])
        #expect(shapes["layer3.5.bn3.weight"] == [1024])
        #expect(shapes["layer3.6.conv1.weight"] == nil)
        #expect(shapes["fc.weight"] == [100, 2048])
    }

    // MARK: Specs

    static func spec(_ backbone: String, method: String = "{name: baseline}") -> String {
        """
        schema: canopy/1
        method: \(method)
        data: {dataset: cifar100, batch_size: 2}
        model:
          backbone: \(backbone)
        optimizer: {name: sgd, lr: 0.1, momentum: 0.9, weight_decay: 5.0e-4}
        """
    }

    static func compile(_ text: String) throws -> (CompiledExperiment?, [Diagnostic]) {
        try ConvNeXtCSWinPluginTests.compile(text)
    }

    /// The deployed model's parameters as exported (the deploy prefix stripped), with shapes.
    static func deployed(_ experiment: CompiledExperiment) -> [String: Shape] {
        let graph = experiment.graph
        var out: [String: Shape] = [:]
        for case let .forward(n) in ExperimentLayout(experiment).deploy.steps {
            for v in graph.nodes[n].inputs {
                guard case .parameter = graph[v].role else { continue }
                var name = graph[v].name
                if let prefix = experiment.deployPrefix, name.hasPrefix(prefix) { name.removeFirst(prefix.count) }
                out[name] = graph[v].spec.shape
            }
        }
        return out
    }

    @Test func baselineSpecHasTheResNet18Size() throws {
        let (compiled, diagnostics) = try Self.compile(Self.spec("{name: resnet, depth: 18}"))
        let experiment = try #require(compiled, "\(diagnostics.map(\.message))")
        let report = PlanReport(experiment, layout: ExperimentLayout(experiment))
        #expect(report.parameters == 11_220_132)
        #expect(report.deployParameters == 11_220_132)
        #expect(report.deployMACs == 555_468_800)
    }

    /// Two peers after stage 3 (OKDDip adds its leader): each owns a copy of layer4 (8,393,728)
    /// and the fc (51,300); the trunk keeps stem, layer1-3 (2,775,104); ONE's gate is fc
    /// 256->2 and BN (518). The deployed model is the plain ResNet-18, parameter for parameter.
    @Test(arguments: [("{name: one, branches: 2, from: stage3}", 2), ("{name: okddip, branches: 2, from: stage3}", 3)])
    func peersAfterStage3DeployThePlainNetwork(_ method: String, _ branches: Int) throws {
        let (plainCompiled, d0) = try Self.compile(Self.spec("{name: resnet, depth: 18}"))
        let plain = try #require(plainCompiled, "\(d0.map(\.message))")
        let (compiled, diagnostics) = try Self.compile(Self.spec("{name: resnet, depth: 18}", method: method))
        let experiment = try #require(compiled, "\(diagnostics.map(\.message))")
        let report = PlanReport(experiment, layout: ExperimentLayout(experiment))
        #expect(report.deployParameters == 11_220_132)
        #expect(report.deployMACs == 555_468_800)
        let (outside, inside) = BackboneCounts.parameters(experiment.graph, prefix: "branch.")
        #expect(inside == branches * (8_393_728 + 51_300))
        let graph = experiment.graph
        let trunk = graph.parameters.filter { v in ["conv1.", "bn1.", "layer"].contains { graph[v].name.hasPrefix($0) } }
        #expect(trunk.reduce(0) { $0 + graph[$1].spec.shape.count } == 2_775_104)
        if method.contains("one") { #expect(outside == 2_775_104 + 518) }
        let names = Set(graph.parameters.map { graph[$0].name })
        #expect(names.isSuperset(of: ["branch.0.layer4.0.downsample.0.weight", "branch.1.layer4.1.bn2.bias", "branch.1.fc.weight"]))
        #expect(!names.contains("layer4.0.conv1.weight"))
        let plainParameters = Dictionary(uniqueKeysWithValues: plain.graph.parameters.map { (plain.graph[$0].name, plain.graph[$0].spec.shape) })
        #expect(Self.deployed(experiment) == plainParameters)
    }

    @Test func peersFromInputAreWholeNetworks() throws {
        let (compiled, diagnostics) = try Self.compile(Self.spec("{name: resnet, depth: 18}", method: "{name: dml, branches: 2}"))
        let experiment = try #require(compiled, "\(diagnostics.map(\.message))")
        let report = PlanReport(experiment, layout: ExperimentLayout(experiment))
        #expect(report.parameters == 2 * 11_220_132)
        #expect(report.deployParameters == 11_220_132)
    }

    @Test(arguments: [
        ("{name: resnet, depth: 20}", "depth", "depth 20 is not a ResNet depth (18, 34, 50, 101 or 152)"),
        (
            "{name: resnet, depth: 18, widths: [64, 128, 256]}", "widths",
            "expected four stage widths between 1 and 4096, found [64, 128, 256]"
        ),
        (
            "{name: resnet, depth: 34, widths: [64, 128, 0, 512]}", "widths",
            "expected four stage widths between 1 and 4096, found [64, 128, 0, 512]"
        ),
    ])
    func badParamsArePositioned(_ backbone: String, _ key: String, _ message: String) throws {
        let text = Self.spec(backbone)
        let (experiment, diagnostics) = try Self.compile(text)
        #expect(experiment == nil)
        let error = try #require(diagnostics.first, "no diagnostic for \(backbone)")
        #expect(diagnostics.count == 1)
        #expect(error.message == message)
        #expect(error.mark.line == 5)
        let line = String(text.split(separator: "\n", omittingEmptySubsequences: false)[4])
        let column = try #require(line.range(of: "\(key): ")).upperBound.utf16Offset(in: line)
        #expect(error.mark.column - 1 == column, "\(error.message) at \(error.mark)")
    }

    @Test func aMissingDepthAndAForkAfterTheLastStageAreErrors() throws {
        let (missing, d1) = try Self.compile(Self.spec("{name: resnet}"))
        #expect(missing == nil)
        #expect(d1.map(\.message) == ["missing required key 'depth'"])
        let (late, d2) = try Self.compile(Self.spec("{name: resnet, depth: 18}", method: "{name: one, branches: 2, from: stage4}"))
        #expect(late == nil)
        #expect(
            d2.contains { $0.message.contains("resnet cannot fork after 'stage4' (branch points: input, stage1, stage2, stage3)") },
            "\(d2.map(\.message))")
    }
}
