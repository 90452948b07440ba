import CanopyRuntime
import CanopySpecs
import Foundation
import Testing

/// A loss input can be a parameter (`branch[*].fc.weight`, `trunk.fc.weight`): the loss
/// reads the weight tensor, its backward adds into the parameter's gradient buffer (the
/// one the optimizer steps from), and a misspelt parameter is a positioned error.
@Suite struct ParameterInputTests {
    static func spec(_ losses: String) -> String {
        """
        schema: canopy/1
        data: {dataset: fashion_mnist, batch_size: 4}
        model:
          backbone: {name: resnet_cifar, depth: 8}
          branches: {count: 2, from: stage2}
        losses:
        \(losses)
        optimizer: {name: sgd, lr: 0.1}

        """
    }

    /// KL(softmax(W_1 rows) || softmax(W_0 rows)) over the K rows of the two fc weights
    /// [K, D]: d/dW_0 = (q - p) / K and d/dW_1 = p (log p - log q - KL_r) / K, with
    /// p = softmax(W_1), q = softmax(W_0) row by row; nothing else gets a gradient.
    @Test func aLossOnTwoClassifierWeightsGetsTheirGradients() throws {
        let r = check(
            Self.spec(
                """
                  - {name: w, plugin: kd_kl, inputs: {student: "branch[0].fc.weight", teacher: "branch[1].fc.weight"}}
                """))
        let experiment = try #require(r.compiled, "\(r.messages)")
        let graph = experiment.graph
        let w0 = try #require(graph.value(named: "branch.0.fc.weight")), w1 = try #require(graph.value(named: "branch.1.fc.weight"))
        let memory = ModelMemory(graph: graph)
        memory.initialize(seed: 3)
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: experiment.losses.map(\.value))
        plan.run()

        let (rows, columns) = (graph[w0].spec.shape[0], graph[w0].spec.shape[1])
        let s = memory.parameter(w0).toArray().map(Double.init), t = memory.parameter(w1).toArray().map(Double.init)
        var expected0 = [Double](), expected1 = [Double](), loss = 0.0
        for row in 0..<rows {
            func logSoftmax(_ x: ArraySlice<Double>) -> [Double] {
                let m = x.max()!, z = log(x.reduce(0) { $0 + exp($1 - m) }) + m
                return x.map { $0 - z }
            }
            let range = row * columns..<(row + 1) * columns
            let lq = logSoftmax(s[range]), lp = logSoftmax(t[range])
            let kl = (0..<columns).reduce(0.0) { $0 + exp(lp[$1]) * (lp[$1] - lq[$1]) }
            loss += kl / Double(rows)
            for c in 0..<columns {
                expected0.append((exp(lq[c]) - exp(lp[c])) / Double(rows))
                expected1.append(exp(lp[c]) * (lp[c] - lq[c] - kl) / Double(rows))
            }
        }
        #expect(abs(Double(try #require(plan.output(experiment.losses[0].value)).f[0]) - loss) < 1e-6 * max(loss, 1))
        for (v, expected) in [(w0, expected0), (w1, expected1)] {
            let got = try #require(memory.gradient(v)).toArray()
            let error = zip(got, expected).map { abs(Double($0) - $1) }.max()!
            #expect(error < 1e-6, "\(graph[v].name): max error \(error)")
        }
        let conv = try #require(graph.value(named: "conv1.weight"))
        #expect(try #require(memory.gradient(conv)).toArray().allSatisfy { $0 == 0 }, "only the fc weights are read")
    }

    @Test func trunkParametersAndForeachResolve() throws {
        let peers = check(
            Self.spec(
                """
                  - {name: w, plugin: kd_kl, foreach: branch, inputs: {student: "branch[*].fc.weight", teacher: "branch[1].fc.weight"}}
                """))
        #expect(peers.messages.isEmpty, "\(peers.messages)")
        #expect(peers.compiled?.losses.map(\.name) == ["w[0]", "w[1]"])
        let plain = check(
            Self.spec(
                """
                  - {name: w, plugin: kd_kl, inputs: {student: trunk.fc.weight, teacher: trunk.fc.weight}, detach: [teacher]}
                """
            ).replacingOccurrences(of: "  branches: {count: 2, from: stage2}\n", with: ""))
        #expect(plain.messages.isEmpty, "\(plain.messages)")
    }

    @Test func aMisspeltParameterIsSuggested() {
        let r = check(
            Self.spec(
                """
                  - {name: w, plugin: kd_kl, inputs: {student: "branch[0].fc.weigth", teacher: "branch[1].fc.weight"}}
                """))
        #expect(r.messages == ["t.yaml:7:48: error: unknown value 'branch[0].fc.weigth' (did you mean 'branch[0].fc.weight'?)"])
    }
}
