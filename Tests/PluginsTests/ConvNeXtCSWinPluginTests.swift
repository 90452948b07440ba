import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import Foundation
import Testing

/// The `convnext` and `cswin` backbone plugins as specs build them: the plain CIFAR forms
/// have the sizes of the published ConvNeXt and CSWin sizes, ONE and T2B deploy exactly the plain network,
/// and resolution problems are positioned diagnostics.
@Suite struct ConvNeXtCSWinPluginTests {
    /// Compiles spec text through the whole front end; nil with the diagnostics on failure.
    static func compile(_ text: String) throws -> (CompiledExperiment?, [Diagnostic]) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bb-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let diagnostics = DiagnosticEngine()
        let experiment = SpecFrontEnd.compile(path, plugins: try BuiltInPlugins.set(), diagnostics: diagnostics)
        return (experiment, diagnostics.diagnostics)
    }

    static func spec(_ backbone: String, method: String = "{name: baseline}", data: String = "{dataset: cifar100, batch_size: 2}") -> String {
        """
        schema: canopy/1
        method: \(method)
        data: \(data)
        model:
          backbone: \(backbone)
        optimizer: {name: adamw, lr: 1.0e-3, weight_decay: 0.05}
        """
    }

    static func report(_ text: String) throws -> PlanReport {
        let (experiment, diagnostics) = try compile(text)
        return PlanReport(ExperimentPlans(try #require(experiment, "\(diagnostics.map(\.message))")))
    }

    struct Case: Sendable, CustomStringConvertible {
        var backbone: String, params: Int, macs: Int
        var description: String { backbone }
    }

    /// §7.2 atto 32x32x3 stem 2,2 and §7.3 CSWin-T 32x32x3 stem 7,2,3 splits 1,2,2,2, K = 100.
    static let cases = [
        Case(backbone: "{name: convnext, variant: atto}", params: 3_405_180, macs: 44_317_440),
        Case(backbone: "{name: cswin, variant: T}", params: 21_858_852, macs: 334_716_928),
    ]

    @Test(arguments: cases)
    func plainBackboneHasReferenceSize(_ c: Case) throws {
        let report = try Self.report(Self.spec(c.backbone))
        #expect(report.parameters == c.params)
        #expect(report.deployParameters == c.params)
        #expect(report.deployMACs == c.macs)
    }

    @Test(
        arguments: cases,
        [
            "{name: one, branches: 3, from: stage3}", "{name: okddip, branches: 3, from: stage3}",
            "{name: t2b, branches: 3, stages: [stage3, stage4]}",
        ])
    func methodsDeployThePlainBackbone(_ c: Case, _ method: String) throws {
        let report = try Self.report(Self.spec(c.backbone, method: method))
        #expect(report.deployParameters == c.params)
        #expect(report.deployMACs == c.macs)
        #expect(report.parameters > c.params)
    }

    /// The parameter names of a compiled spec.
    static func parameterNames(_ text: String) throws -> Set<String> {
        let (experiment, diagnostics) = try compile(text)
        let graph = try #require(experiment, "\(diagnostics.map(\.message))").graph
        return Set(graph.parameters.map { graph[$0].name })
    }

    static let t2b = "{name: t2b, branches: 3, stages: [stage3, stage4]}"

    /// T2B builds its branches in the backbone's style (docs/methods.md#t2b-architecture): token-wise MLP
    /// layers with mean, max and attention pooling on CSWin, depthwise + pointwise conv
    /// with LayerNorm + GELU on ConvNeXt, BatchNorm + ReLU on ResNets.
    @Test func t2bBranchesFollowTheBackbone() throws {
        let cswin = try Self.parameterNames(Self.spec("{name: cswin, variant: T}", method: Self.t2b))
        for k in 0..<3 { #expect(cswin.isSuperset(of: ["branch.\(k).ln.weight", "branch.\(k).proj.weight", "branch.\(k).fc.weight"])) }
        #expect(cswin.contains("branch.2.pool.query") && !cswin.contains("branch.0.pool.query") && !cswin.contains("branch.1.pool.query"))
        #expect(!cswin.contains { $0.hasSuffix(".dw.weight") })

        let convnext = try Self.parameterNames(Self.spec("{name: convnext, variant: atto}", method: Self.t2b))
        #expect(convnext.isSuperset(of: ["branch.0.dw.weight", "branch.0.pw.weight", "branch.0.pw.bias", "branch.0.ln.weight"]))
        #expect(!convnext.contains { $0.contains(".bn.") || $0.hasSuffix(".proj.weight") })

        let resnet = try Self.parameterNames(Self.spec("{name: resnet_cifar, depth: 8}", method: "{name: t2b}"))
        #expect(resnet.isSuperset(of: ["branch.0.dw.weight", "branch.0.pw.weight", "branch.0.bn.weight"]))
        #expect(!resnet.contains("branch.0.pw.bias"))
    }

    @Test func t2bBranchTypeAndStyleCanBeOverridden() throws {
        let conv = try Self.parameterNames(
            Self.spec(
                "{name: cswin, variant: T}",
                method: "{name: t2b, stages: [stage3, stage4], branch_type: conv, norm: batch, activation: relu}"))
        #expect(conv.isSuperset(of: ["branch.2.dw.weight", "branch.2.bn.weight"]))
        let token = try Self.parameterNames(
            Self.spec(
                "{name: resnet_cifar, depth: 8}",
                method: "{name: t2b, branch_type: token, poolings: [max, max, attention]}"))
        #expect(token.isSuperset(of: ["branch.0.proj.weight", "branch.2.pool.query"]))
        #expect(!token.contains("branch.1.pool.query"))
    }

    @Test(arguments: [
        ("branch_type: mlp", "unknown branch type 'mlp'"), ("poolings: [mean, sum, max]", "unknown pooling 'sum'"),
        ("poolings: [mean]", "expected 3 poolings"), ("norm: group", "unknown norm 'group'"),
        ("activation: silu", "unknown activation 'silu'"),
    ])
    func badT2BBranchParams(_ param: String, _ message: String) throws {
        let (experiment, diagnostics) = try Self.compile(
            Self.spec("{name: cswin, variant: T}", method: "{name: t2b, stages: [stage3, stage4], \(param)}"))
        #expect(experiment == nil)
        let error = try #require(diagnostics.first)
        #expect(error.message.contains(message), "\(error.message)")
        #expect(error.mark.line == 2)
    }

    @Test func splitSizeThatDoesNotDivideIsPositioned() throws {
        let (experiment, diagnostics) = try Self.compile(Self.spec("{name: cswin, variant: T, split_sizes: [1, 3, 2, 2]}"))
        #expect(experiment == nil)
        let error = try #require(diagnostics.first { $0.message.contains("split size 3 does not divide the 8x8 map") })
        #expect(error.mark.line == 5)
        #expect(error.mark.column > 0)
    }

    @Test func fashionMNISTWithoutPaddingIsPositioned() throws {
        let data = "{dataset: synthetic, batch_size: 2, synthetic: {channels: 1, size: 28, classes: 10}}"
        let (experiment, diagnostics) = try Self.compile(Self.spec("{name: cswin, variant: T}", data: data))
        #expect(experiment == nil)
        let error = try #require(diagnostics.first { $0.message.contains("does not divide the 7x7 map") })
        #expect(error.mark.line == 5)
        let padded = data.replacingOccurrences(of: "batch_size: 2", with: "batch_size: 2, pad_to: 32")
        #expect(try Self.compile(Self.spec("{name: cswin, variant: T}", data: padded)).0 != nil)
    }

    @Test func patchifyStemOn28x28IsPositioned() throws {
        let data = "{dataset: synthetic, batch_size: 2, synthetic: {channels: 1, size: 28, classes: 10}}"
        let (experiment, diagnostics) = try Self.compile(Self.spec("{name: convnext, variant: atto, stem_kernel: 4, stem_stride: 4}", data: data))
        #expect(experiment == nil)
        #expect(diagnostics.contains { $0.message.contains("smaller than the 2x2 downsampling conv") && $0.mark.line == 5 })
    }

    @Test(arguments: [
        ("{name: convnext, variant: zeta}", "variant"), ("{name: convnext, variant: atto, dims: [8]}", "dims"),
        ("{name: convnext, dims: [8, 16], depths: [1]}", "depths"), ("{name: convnext, drop_path_rate: 1.5}", "drop_path_rate"),
        ("{name: cswin, variant: Q}", "variant"), ("{name: cswin, split_sizes: [1, 2]}", "split_sizes"),
        ("{name: cswin, depths: [1, 1], heads: [2, 3], embed_dim: 8, split_sizes: [1, 1]}", "heads"),
        ("{name: cswin, stem_stride: 0}", "stem_stride"),
    ])
    func badParamsAreParamErrors(_ backbone: String, _ key: String) throws {
        let text = Self.spec(backbone)
        let (experiment, diagnostics) = try Self.compile(text)
        #expect(experiment == nil)
        let error = try #require(diagnostics.first, "no diagnostic for \(backbone)")
        #expect(error.mark.line == 5)
        let line = String(text.split(separator: "\n", omittingEmptySubsequences: false)[4])
        let column = try #require(line.range(of: key)).lowerBound.utf16Offset(in: line)
        #expect(error.mark.column - 1 >= column, "\(error.message) at \(error.mark)")
    }

    @Test func peersAfterInputAreWholeNetworks() throws {
        let backbone = "{name: convnext, dims: [8, 16, 24, 32], depths: [1, 1, 1, 1]}"
        let (one, d1) = try Self.compile(Self.spec(backbone, method: "{name: dml, branches: 2}"))
        let experiment = try #require(one, "\(d1.map(\.message))")
        let names = Set(experiment.graph.parameters.map { experiment.graph[$0].name })
        #expect(names.contains("branch.1.stem.0.weight"))
        #expect(names.contains("branch.0.downsample_layers.3.1.weight"))
        let (two, d2) = try Self.compile(
            Self.spec(
                "{name: cswin, depths: [1, 1, 1, 1], heads: [2, 2, 4, 4], embed_dim: 8}",
                method: "{name: dml, branches: 2}"))
        let cswin = try #require(two, "\(d2.map(\.message))")
        #expect(Set(cswin.graph.parameters.map { cswin.graph[$0].name }).contains("branch.1.stage1_conv_embed.0.weight"))
    }
}
