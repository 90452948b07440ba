import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import Foundation
import Testing

/// Loss `classifier_diversity` (MDE's CD term) on M classifier weights W_i [C, D] given as
/// parameters: the value against a direct Double computation of the formula, and the
/// gradient the plan adds into each W_i against central finite differences of that Double
/// formula, for both forms.
@Suite struct MDEClassifierDiversityTests {
    /// L in Double: literal sum_{i<j} ||W_i^T W_j||_F^2, or scale_free on rows divided by
    /// max(norm, eps), times 2 / (M(M-1) D^2).
    static func reference(_ w: [[Double]], classes: Int, dims: Int, scaleFree: Bool, eps: Double = 1e-12) -> Double {
        let rows = w.map { m in
            guard scaleFree else { return m }
            return (0..<classes).flatMap { c -> [Double] in
                let row = m[c * dims..<(c + 1) * dims]
                let n = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), eps)
                return row.map { $0 / n }
            }
        }
        var total = 0.0, pairs = 0
        for i in rows.indices {
            for j in rows.indices where j > i {
                pairs += 1
                for a in 0..<dims {
                    for b in 0..<dims {
                        let g = (0..<classes).reduce(0.0) { $0 + rows[i][$1 * dims + a] * rows[j][$1 * dims + b] }
                        total += g * g
                    }
                }
            }
        }
        return scaleFree ? total / (Double(pairs) * Double(dims * dims)) : total
    }

    @Test(arguments: ["literal", "scale_free"])
    func valueAndGradient(_ form: String) throws {
        let (m, classes, dims) = (3, 5, 4)
        var b = GraphBuilder(kernels: try BuiltInPlugins.set().kernels)
        let weights = (0..<m).map { b.parameter("branch.\($0).fc.weight", [classes, dims], .uniformFanIn(fanIn: 1)) }
        let loss = try ClassifierDiversityLoss.make(.object([("form", .string(form))]))
        let value = loss.emit(&b, name: "cd", inputLists: [weights])
        let slot = b.addLoss("cd", value)
        #expect(b.errors.isEmpty, "\(b.errors)")
        let memory = ModelMemory(graph: b.graph)
        memory.initialize(seed: 5)
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: [value])
        plan.setLossWeight(slot: slot, 1)
        plan.run()

        let w = weights.map { memory.parameter($0).toArray().map(Double.init) }
        let scaleFree = form == "scale_free"
        let expected = Self.reference(w, classes: classes, dims: dims, scaleFree: scaleFree)
        let got = Double(try #require(plan.output(value)).toArray()[0])
        #expect(abs(got - expected) <= 1e-5 * max(abs(expected), 1e-3), "\(form): \(got) vs \(expected)")

        let h = 1e-5
        for (k, v) in weights.enumerated() {
            let grad = try #require(memory.gradient(v)).toArray()
            var worst = 0.0, scale = 0.0
            for e in 0..<(classes * dims) {
                var up = w, down = w
                up[k][e] += h
                down[k][e] -= h
                let fd =
                    (Self.reference(up, classes: classes, dims: dims, scaleFree: scaleFree)
                        - Self.reference(down, classes: classes, dims: dims, scaleFree: scaleFree)) / (2 * h)
                worst = max(worst, abs(Double(grad[e]) - fd))
                scale = max(scale, abs(fd))
            }
            #expect(worst <= 1e-4 * max(scale, 1e-6), "\(form) W_\(k): max gradient error \(worst) (largest entry \(scale))")
        }
    }

    /// Row norms under the clamp are divided by the clamp: a zero row stays zero and adds nothing.
    @Test func aZeroRowIsClampedNotNaN() throws {
        var b = GraphBuilder(kernels: try BuiltInPlugins.set().kernels)
        let weights = (0..<2).map { b.parameter("w\($0)", [2, 3], .zeros) }
        let loss = try ClassifierDiversityLoss.make(.object([("form", .string("scale_free"))]))
        let value = loss.emit(&b, name: "cd", inputLists: [weights])
        _ = b.addLoss("cd", value)
        let memory = ModelMemory(graph: b.graph)
        memory.initialize(seed: 1)
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: [value])
        let w1 = memory.parameter(weights[1]).f
        for i in 0..<6 { w1[i] = Float(i + 1) }  // w0 stays zero
        plan.run()
        #expect(try #require(plan.output(value)).toArray() == [0])
    }

    /// One classifier is an error, not a silent zero.
    @Test func needsTwoBranches() throws {
        var b = GraphBuilder(kernels: try BuiltInPlugins.set().kernels)
        let w = b.parameter("w", [2, 3], .zeros)
        _ = try ClassifierDiversityLoss.make(.empty).emit(&b, name: "cd", inputLists: [[w]])
        #expect(b.errors.contains { $0.message.contains("at least 2 branches") })
    }
}
