import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// Method expansions as whole experiments: the deployed model of every peer method (and
/// LightSKD's, without its adapter) is the plain backbone, and a short ONE training on a
/// tiny synthetic task learns.
@Suite struct MethodPlanTests {
    /// Compiles a spec given as text through the whole front end (method expansion included).
    static func compile(_ text: String) throws -> CompiledExperiment {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("method-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let diagnostics = DiagnosticEngine()
        return try #require(
            SpecFrontEnd.compile(path, plugins: try BuiltInPlugins.set(), diagnostics: diagnostics),
            "\(diagnostics.diagnostics.map(\.message))")
    }

    static func spec(_ method: String, depth: Int = 8, widths: [Int] = [16, 32, 64], data: String = "{dataset: cifar100, batch_size: 8}") -> String {
        """
        schema: canopy/1
        method: \(method)
        data: \(data)
        model:
          backbone: {name: resnet_cifar, depth: \(depth), widths: [\(widths.map(String.init).joined(separator: ", "))]}
        optimizer: {name: sgd, lr: 0.1, momentum: 0.9, nesterov: true}
        """
    }

    @Test(arguments: [
        "{name: one, branches: 3}", "{name: okddip, branches: 3}", "{name: dml, branches: 2}", "{name: mde, branches: 3}",
        "{name: mde, branches: 4, cd: scale_free}",
        "{name: ahbf, branches: 4, aux: 4}", "{name: ahbf, branches: 3, aux: 1}",
        "{name: lightskd}", "{name: lightskd, dsr: false}",
    ])
    func deployedModelIsThePlainBackbone(_ method: String) throws {
        let plain = PlanReport(ExperimentPlans(try Self.compile(Self.spec("{name: baseline}", depth: 20))))
        let report = PlanReport(ExperimentPlans(try Self.compile(Self.spec(method, depth: 20))))
        #expect(report.deployParameters == plain.deployParameters)
        #expect(report.deployMACs == plain.deployMACs)
        #expect(report.parameters > plain.parameters)
    }

    /// Step state pairs each batch with the previous one row by row: a `step_memory` node
    /// (LightSKD's DSR) with `drop_last: false` is an error at that line.
    @Test func stepStateWithoutDropLastIsAnErrorAtItsLine() throws {
        let text = Self.spec("{name: lightskd}", data: "\n  dataset: cifar100\n  batch_size: 8\n  drop_last: false")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("droplast-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let diagnostics = DiagnosticEngine()
        #expect(SpecFrontEnd.compile(path, plugins: try BuiltInPlugins.set(), diagnostics: diagnostics) == nil)
        let error = try #require(diagnostics.diagnostics.first { $0.message.contains("needs drop_last: true") })
        #expect(error.mark.line == 6, "\(error.mark): \(text)")
        #expect(diagnostics.diagnostics.count == 1, "\(diagnostics.diagnostics.map(\.message))")
        #expect(
            try Self.compile(Self.spec("{name: lightskd, dsr: false}", data: "{dataset: cifar100, batch_size: 8, drop_last: false}")).spec.data
                .dropLast == false)
    }

    @Test func methodsAskForTopOneAndFive() throws {
        let experiment = try Self.compile(Self.spec("{name: one}"))
        #expect(experiment.metrics.flatMap(\.resultNames) == ["top1", "top5", "nonfinite"])
    }

    /// ONE on 4 classes of 1x8x8 images (a bright 2x2 patch in one quadrant per class, plus
    /// noise): after 60 SGD steps of batch 32 the deployed branch and the gated ensemble
    /// classify held-out images far above chance (25%).
    @Test func oneLearnsASmallTask() throws {
        let experiment = try Self.compile(
            Self.spec(
                "{name: one, branches: 3, ramp: 0}", widths: [4, 8, 8],
                data: "{dataset: synthetic, batch_size: 32, synthetic: {channels: 1, size: 8, classes: 4}}"))
        let memory = ModelMemory(graph: experiment.graph)
        memory.initialize(seed: 1)
        let heads = [experiment.values["branch[0].logits"]!, experiment.values["gate.logits"]!]
        let train = PlanLowering.lower(memory, purpose: .train, outputs: experiment.losses.map(\.value))
        let eval = PlanLowering.lower(memory, purpose: .eval, outputs: heads)
        for term in experiment.losses { train.setLossWeight(slot: term.slot, Float(term.weight.value(epoch: 0))) }
        var rng = SeededRandom(seed: 7)
        func batch(_ plan: Plan) -> [Int32] {
            let x = plan.output(experiment.input)!.f, y = plan.output(experiment.target)?.i
            var labels: [Int32] = []
            for b in 0..<32 {
                let c = Int(rng.next() % 4)
                labels.append(Int32(c))
                y?[b] = Int32(c)
                for i in 0..<64 { x[b * 64 + i] = Float(Int(rng.next() % 1000)) / 1000 - 0.5 }
                let (r0, c0) = (c / 2 * 4 + 1, c % 2 * 4 + 1)
                for r in r0..<(r0 + 2) { for col in c0..<(c0 + 2) { x[b * 64 + r * 8 + col] += 2 } }
            }
            return labels
        }
        let sgd = try SGD.make(.object([("lr", .double(0.05)), ("momentum", .double(0.9))]))
        let buffer = UnsafeMutablePointer<Float>.allocate(capacity: memory.trainableCount)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: memory.trainableCount)
        var state = OptimizerState(buffers: sgd.stateNames.map { _ in buffer })
        for _ in 0..<60 {
            _ = batch(train)
            train.run()
            sgd.step(
                FlatParameters(
                    values: memory.parameters.base.assumingMemoryBound(to: Float.self),
                    grads: memory.gradients.base.assumingMemoryBound(to: Float.self), count: memory.trainableCount),
                state: &state, lr: sgd.learningRate)
        }
        var correct = [0, 0]
        for _ in 0..<4 {
            let labels = batch(eval)
            eval.run()
            for (h, head) in heads.enumerated() {
                let z = eval.output(head)!.f
                for b in 0..<32 {
                    let row = (0..<4).map { z[b * 4 + $0] }
                    if row.firstIndex(of: row.max()!) == Int(labels[b]) { correct[h] += 1 }
                }
            }
        }
        #expect(correct[0] >= 96, "branch 0: \(correct[0]) of 128 correct")
        #expect(correct[1] >= 96, "ensemble: \(correct[1]) of 128 correct")
    }
}
