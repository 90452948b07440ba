import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import Foundation
import SymmetricKL
import Testing

/// This package's method and module, tested as a user would: `learned_mix` against a
/// hand-computed mixture and finite differences, and `sym_dml` through `my-canopy`
/// (listed, expanded, checked, planned, a bad param at its line, trained on a subset).
@Suite struct SymmetricDMLTests {
    static let spec = MyCanopyTests.packageRoot.appendingPathComponent("specs/symdml-resnet8.yaml").path

    /// The mix of two branches' logits [2, 3] with mixing logits w: softmax(w)_0 z_0 + softmax(w)_1 z_1,
    /// and the gradient of sum(mix * r) for fixed r with respect to w, z_0 and z_1.
    @Test func learnedMixMatchesTheFormulaAndItsGradient() throws {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let z0 = b.parameter("z0", [2, 3], .zeros), z1 = b.parameter("z1", [2, 3], .zeros)
        let outputs = try LearnedMixModule.make(.empty).emit(&b, prefix: "mix.", index: 0, inputs: [[z0, z1]], classes: 3)
        let mixed = try #require(outputs["logits"]), weights = try #require(outputs["weights"])
        let r = b.parameter("r", [2, 3], .zeros)
        let loss = b.expression("loss", [mixed, r]) { x in sum(x[0] * detach(x[1])) }
        b.addLoss("loss", loss)
        #expect(b.errors.isEmpty, "\(b.errors)")
        let memory = ModelMemory(graph: b.graph)
        memory.initialize(seed: 0)
        let w = try #require(b.graph.value(named: "mix.mix_logits"))
        let values: [ValueID: [Float]] = [z0: [1, -2, 0.5, 3, 0, -1], z1: [0, 4, -0.5, 1, 2, 2], r: [1, 2, 3, -1, 0.5, 2], w: [0.3, -0.4]]
        for (v, xs) in values { for (i, x) in xs.enumerated() { memory.parameter(v).f[i] = x } }
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: [mixed, weights, loss])
        plan.run()

        let e = [exp(0.3), exp(-0.4)], a = e.map { $0 / (e[0] + e[1]) }
        let expected = (0..<6).map { a[0] * Double(values[z0]![$0]) + a[1] * Double(values[z1]![$0]) }
        let got = try #require(plan.output(mixed)).toArray().map(Double.init)
        for i in 0..<6 { #expect(abs(got[i] - expected[i]) < 1e-5, "mix[\(i)] = \(got[i]), expected \(expected[i])") }
        #expect(abs(Double(try #require(plan.output(weights)).f[0]) - a[0]) < 1e-6)
        // d/dz_k = a_k r; d/dw_k = a_k (s_k - sum_j a_j s_j), s_k = sum(z_k * r).
        let s = [z0, z1].map { z in zip(values[z]!, values[r]!).reduce(0.0) { $0 + Double($1.0 * $1.1) } }
        let mean = a[0] * s[0] + a[1] * s[1]
        let dw = try #require(memory.gradient(w)).toArray()
        for k in 0..<2 { #expect(abs(Double(dw[k]) - a[k] * (s[k] - mean)) < 1e-4, "d/dw[\(k)]") }
        let dz1 = try #require(memory.gradient(z1)).toArray()
        for i in 0..<6 { #expect(abs(Double(dz1[i]) - a[1] * Double(values[r]![i])) < 1e-5, "d/dz1[\(i)]") }
    }

    @Test func pluginsListTheMethodAndModule() throws {
        let r = try MyCanopyTests().myCanopy("plugins")
        #expect(r.status == 0)
        #expect(r.stdout.contains("\n  sym_dml - K networks: CE each + sym_kl per pair + CE of a learned-mix ensemble\n"))
        #expect(r.stdout.contains("\n      pair_weight: number >= 0 = 1  weight of each pair term\n"))
        #expect(r.stdout.contains("\n  learned_mix - ensemble z_e"))
    }

    @Test func theMethodExpandsChecksAndPlans() throws {
        let tool = MyCanopyTests()
        let check = try tool.myCanopy("check", Self.spec, "--set", "method.branches=3")
        #expect(check.status == 0 && check.stderr.isEmpty, "\(check.stderr)")
        let expansion = try tool.myCanopy("plan", Self.spec, "--set", "method.branches=3", "--dump", "method")
        for name in ["ce_nets", "ce_mix", "sym[0_1]", "sym[0_2]", "sym[1_2]"] {
            #expect(expansion.stdout.contains("name: \(name)") || expansion.stdout.contains("name: \"\(name)\""), "no loss \(name)")
        }
        #expect(!expansion.stdout.contains("sym[1_0]"), "one term per pair")
        let graph = try tool.myCanopy("plan", Self.spec, "--set", "data.batch_size=4", "--dump", "graph")
        #expect(graph.stdout.contains("mix.mix_logits"), "the module's parameter is in the plan")
        let bad = try tool.myCanopy("check", Self.spec, "--set", "method.branches=1")
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("<command line>:1:17: error: must be between 2 and 8, found 1\n"), "\(bad.stderr)")
    }

    /// Two epochs of 16 steps on 512 images, 2 networks: every head far above chance (0.1;
    /// measured 0.45-0.49 at 1024 images of batch 64).
    @Test func theMethodTrainsOnAFashionMNISTSubset() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("symdml-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let r = try MyCanopyTests().myCanopy(
            "run", Self.spec, "--quiet", "--out", directory, "--set", "train.epochs=2",
            "--set", "data.train_subset=512", "--set", "data.test_subset=256",
            "--set", "data.batch_size=32", "--set", "eval.every=1")
        #expect(r.status == 0, "\(r.stderr)")
        let final = try JSON.parse(String(contentsOfFile: directory + "/final.json", encoding: .utf8))
        for head in ["branch[0]", "branch[1]", "mix", "deploy"] {
            guard case let .double(top1)? = final["last"]?["test.\(head).top1"] else {
                Issue.record("final.json has no test.\(head).top1")
                continue
            }
            #expect(top1 > 0.3, "test.\(head).top1 = \(top1)")
        }
    }
}
