import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// CSS as a whole experiment of two named networks: the deployed model is network t's
/// 3-branch aggregate (every `net_t.` parameter, none of `net_s.`), and the evaluation
/// heads are both aggregates and their dual average.
@Suite struct CSSPlanTests {
    static let spec = """
        schema: canopy/1
        method: {name: css, branches: 3}
        data: {dataset: cifar100, batch_size: 8}
        model:
          networks:
            net_t: {backbone: {name: resnet_cifar, depth: 20}}
            net_s: {backbone: {name: resnet_cifar, depth: 8}}
        optimizer: {name: sgd, lr: 0.1, momentum: 0.9, nesterov: false}
        """

    @Test func deployedModelIsNetworkTsAggregate() throws {
        let experiment = try MethodPlanTests.compile(Self.spec)
        let graph = experiment.graph
        func count(_ prefix: String) -> Int {
            graph.parameters.filter { graph[$0].name.hasPrefix(prefix) }.map { graph[$0].spec.shape.count }.reduce(0, +)
        }
        let report = PlanReport(ExperimentPlans(experiment))
        #expect(report.deployParameters == count("net_t."))
        #expect(report.parameters == count("net_t.") + count("net_s."))
        // ResNet-20 trunk + 3 copies of stage 3 with an fc over 3 x 100 augmented classes:
        // the plain ResNet-20's parameters plus 2 stage-3 copies plus the wider fc's extra.
        let plain = PlanReport(ExperimentPlans(try MethodPlanTests.compile(MethodPlanTests.spec("{name: baseline}", depth: 20))))
        let fc = 64 * 100 + 100
        let stage3 = count("net_t.branch.0.") - (64 * 300 + 300)
        #expect(report.deployParameters == plain.deployParameters - fc + 2 * stage3 + 3 * (64 * 300 + 300))
        #expect(report.deployMACs > plain.deployMACs)
        #expect(
            experiment.heads.map(\.name).filter { ["aggregate_t", "aggregate_s", "dual"].contains($0) } == ["aggregate_t", "aggregate_s", "dual"])
    }

    /// A branch transform needs one params entry per branch: an error at the transform's line.
    @Test func transformParamsCountIsCheckedAtItsPosition() throws {
        let text = """
            schema: canopy/1
            data: {dataset: cifar100, batch_size: 8}
            model:
              backbone: {name: resnet_cifar, depth: 8}
              branches:
                count: 3
                from: stage2
                transform: {kernel: spatial_mask, params: [{corner: top_left}, {corner: bottom_right}]}
            losses:
              - {name: ce, plugin: cross_entropy, inputs: {logits: "branch[*].logits", target: target}, foreach: branch}
            optimizer: {name: sgd}
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("transform-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let diagnostics = DiagnosticEngine()
        #expect(SpecFrontEnd.compile(path, plugins: try BuiltInPlugins.set(), diagnostics: diagnostics) == nil)
        let error = try #require(diagnostics.diagnostics.first { $0.message.contains("params entries for 3 branches") })
        #expect(error.mark.line == 8, "\(error.mark)")
    }

    /// A misspelt network key in the spec is a positioned error, not a trap.
    @Test func unknownNetworkKeyIsAnError() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("css-\(UUID().uuidString).yaml").path
        try Self.spec.replacingOccurrences(of: "net_s: {backbone:", with: "net_s: {backbon:").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let diagnostics = DiagnosticEngine()
        #expect(SpecFrontEnd.compile(path, plugins: try BuiltInPlugins.set(), diagnostics: diagnostics) == nil)
        let messages = diagnostics.diagnostics.map(\.message)
        #expect(messages.contains { $0.contains("backbone") }, "\(messages)")
    }
}

/// `deploy: branch` deploys one branch's own vote: net_t's trunk and that branch only.
@Suite struct CSSSingleBranchTests {
    @Test func singleBranchDeploysTheTrunkAndOneBranch() throws {
        let aggregate = try MethodPlanTests.compile(CSSPlanTests.spec)
        let single = try MethodPlanTests.compile(
            CSSPlanTests.spec.replacingOccurrences(of: "{name: css, branches: 3}", with: "{name: css, branches: 3, deploy: branch, deploy_branch: 1}")
        )
        let graph = single.graph
        func count(_ prefix: String) -> Int {
            graph.parameters.filter { graph[$0].name.hasPrefix(prefix) }.map { graph[$0].spec.shape.count }.reduce(0, +)
        }
        let (a, s) = (PlanReport(ExperimentPlans(aggregate)), PlanReport(ExperimentPlans(single)))
        #expect(s.deployParameters == count("net_t.") - count("net_t.branch.0.") - count("net_t.branch.2."))
        #expect(s.deployMACs < a.deployMACs)
        #expect(single.heads.contains { $0.name == "slice_t" })
    }
}
