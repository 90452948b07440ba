import CanopyCLI
import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import Foundation
import SymmetricKL
import Testing

/// The loss's golden check: its value and both input gradients, computed by the
/// compiled plan (forward, then the backward the compiler derives from the primitive
/// kernels), against a float64 reference written out here independently, with the
/// gradients of the reference taken by central differences.
@Suite struct SymmetricKLLossTests {
    /// T^2 / B * sum over rows and classes of (p - q)(log p - log q), in Double.
    static func reference(_ s: [Double], _ t: [Double], batch: Int, classes: Int, temperature: Double) -> Double {
        func logSoftmax(_ row: ArraySlice<Double>) -> [Double] {
            let scaled = row.map { $0 / temperature }, m = scaled.max()!
            let logSum = log(scaled.reduce(0) { $0 + exp($1 - m) }) + m
            return scaled.map { $0 - logSum }
        }
        var total = 0.0
        for r in 0..<batch {
            let lp = logSoftmax(s[r * classes..<(r + 1) * classes]), lq = logSoftmax(t[r * classes..<(r + 1) * classes])
            for c in 0..<classes { total += (exp(lp[c]) - exp(lq[c])) * (lp[c] - lq[c]) }
        }
        return temperature * temperature * total / Double(batch)
    }

    /// Relative L2 distance of `a` from `b`.
    static func relativeError(_ a: [Double], _ b: [Double]) -> Double {
        let diff = zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        return (diff / max(b.reduce(0) { $0 + $1 * $1 }, 1e-30)).squareRoot()
    }

    @Test(arguments: [(3, 5, 2.0), (4, 10, 1.0), (1, 7, 4.0)])
    func valueAndGradientsMatchTheReference(batch: Int, classes: Int, temperature: Double) throws {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let student = b.parameter("student", [batch, classes], .zeros)
        let teacher = b.parameter("teacher", [batch, classes], .zeros)
        let loss = try SymmetricKLLoss.make(.object([("temperature", .double(temperature))])).emit(&b, name: "loss", inputs: [student, teacher])
        b.addLoss("sym_kl", loss)
        #expect(b.errors.isEmpty, "\(b.errors)")
        let memory = ModelMemory(graph: b.graph)
        memory.initialize(seed: 0)
        var rng = SeededRandom(seed: UInt64(batch * 100 + classes))
        var values: [[Double]] = [[], []]
        for (k, v) in [student, teacher].enumerated() {
            let x = memory.parameter(v)
            for i in 0..<x.count {
                x.f[i] = Float(rng.uniform(-3, 3))
                values[k].append(Double(x.f[i]))
            }
        }
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: [loss])
        plan.run()

        func f(_ s: [Double], _ t: [Double]) -> Double {
            Self.reference(s, t, batch: batch, classes: classes, temperature: temperature)
        }
        let expected = f(values[0], values[1])
        let got = Double(try #require(plan.output(loss)).f[0])
        #expect(abs(got - expected) <= 1e-5 * max(abs(expected), 1), "loss \(got), reference \(expected)")

        // Central differences of the float64 reference: step 1e-5, truncation error ~1e-10.
        let h = 1e-5
        for (k, v) in [student, teacher].enumerated() {
            var numeric: [Double] = []
            for i in values[k].indices {
                var plus = values, minus = values
                plus[k][i] += h
                minus[k][i] -= h
                numeric.append((f(plus[0], plus[1]) - f(minus[0], minus[1])) / (2 * h))
            }
            let analytic = try #require(memory.gradient(v)).toArray().map(Double.init)
            #expect(Self.relativeError(analytic, numeric) < 1e-4, "d loss / d \(k == 0 ? "student" : "teacher")")
        }
    }

    @Test func equalInputsGiveZeroLoss() throws {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.parameter("x", [2, 3], .normal(std: 1))
        let loss = try SymmetricKLLoss.make(.empty).emit(&b, name: "loss", inputs: [x, x])
        b.addLoss("sym_kl", loss)
        let memory = ModelMemory(graph: b.graph)
        memory.initialize(seed: 1)
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: [loss])
        plan.run()
        #expect(abs(try #require(plan.output(loss)).f[0]) < 1e-6)
    }

    @Test func mismatchedShapesAreOneError() throws {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let s = b.parameter("s", [2, 3], .zeros), t = b.parameter("t", [2, 4], .zeros)
        _ = try SymmetricKLLoss.make(.empty).emit(&b, name: "loss", inputs: [s, t])
        #expect(b.errors.map(\.message) == ["loss: a - b needs values of one shape, found [2x3] and [2x4]"])
    }

    @Test func rejectsANonPositiveTemperature() {
        #expect(throws: ParamErrors.self) { try SymmetricKLLoss.make(.object([("temperature", .double(0))])) }
    }

    @Test func registersBesideTheBuiltIns() throws {
        let set = try (PluginList.builtIn + [SymmetricKLLoss.self]).set()
        #expect(set.losses.names.contains("sym_kl") && set.losses.names.contains("kd_kl"))
    }
}
