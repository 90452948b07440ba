import CanopyRuntime
import Foundation
import Testing

/// attention. Gradient checks use step 1e-2 and relative tolerance 2e-2 with random
/// upstream gradients on both outputs (y and probs).
@Suite struct AttentionTests {
    func make(_ q: Shape, _ k: Shape, _ v: Shape, scale: ParamValue? = nil) throws -> any Kernel {
        try KernelRegistry.make(
            Attention.self, params: .object(scale.map { [("scale", $0)] } ?? []),
            inputs: [TensorSpec(q), TensorSpec(k), TensorSpec(v)])
    }

    /// A plain triple loop: y and probs for one set of inputs.
    func reference(
        _ q: [Float], _ k: [Float], _ v: [Float], pairs: Int, lq: Int, lk: Int, d: Int, dv: Int,
        scale: Double
    ) -> (y: [Double], probs: [Double]) {
        var y = [Double](repeating: 0, count: pairs * lq * dv), probs = [Double](repeating: 0, count: pairs * lq * lk)
        for p in 0..<pairs {
            for i in 0..<lq {
                var s = (0..<lk).map { j in
                    scale * (0..<d).reduce(0.0) { $0 + Double(q[(p * lq + i) * d + $1]) * Double(k[(p * lk + j) * d + $1]) }
                }
                let m = s.max()!
                s = s.map { exp($0 - m) }
                let z = s.reduce(0, +)
                for j in 0..<lk {
                    probs[(p * lq + i) * lk + j] = s[j] / z
                    for c in 0..<dv { y[(p * lq + i) * dv + c] += s[j] / z * Double(v[(p * lk + j) * dv + c]) }
                }
            }
        }
        return (y, probs)
    }

    func forward(_ kernel: any Kernel, _ q: [Float], _ k: [Float], _ v: [Float], shapes: [Shape]) -> (y: [Float], probs: [Float]) {
        let run = StandaloneKernel(kernel, inputs: shapes.map { TensorSpec($0) })
        for (i, x) in [q, k, v].enumerated() { _ = run.inputs[i].tensor.floats.update(from: x) }
        run.forward()
        return (run.outputs[0].tensor.toArray(), run.outputs[1].tensor.toArray())
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        let cases: [(Shape, Shape, Shape, ParamValue?)] = [
            ([1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], nil),
            ([1, 1, 3, 2], [1, 1, 3, 2], [1, 1, 3, 2], nil),
            ([2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 4], nil),
            ([2, 1, 3, 5], [2, 1, 7, 5], [2, 1, 7, 3], .double(0.7)),
        ]
        for (i, (q, k, v, scale)) in cases.enumerated() {
            let kernel = try make(q, k, v, scale: scale)
            let specs = [TensorSpec(q), TensorSpec(k), TensorSpec(v)]
            GradientCheck().check(kernel, inputs: specs, seed: UInt64(i + 1))
            GradientCheck().check(kernel, inputs: specs, gradientInputs: [2], seed: UInt64(i + 1))
            GradientCheck().check(kernel, inputs: specs, gradientInputs: [0, 1], seed: UInt64(i + 1))
        }
    }

    @Test(arguments: [(1, 1, 4, 4, 8, 8), (2, 3, 5, 9, 6, 3), (4, 4, 32, 32, 16, 16)])
    func forwardMatchesReference(b: Int, h: Int, lq: Int, lk: Int, d: Int, dv: Int) throws {
        var rng = TestRandom(seed: UInt64(b * 100 + lq))
        let q = (0..<b * h * lq * d).map { _ in rng.uniform(-2, 2) }
        let k = (0..<b * h * lk * d).map { _ in rng.uniform(-2, 2) }
        let v = (0..<b * h * lk * dv).map { _ in rng.uniform(-2, 2) }
        let shapes: [Shape] = [[b, h, lq, d], [b, h, lk, d], [b, h, lk, dv]]
        let (y, probs) = forward(try make(shapes[0], shapes[1], shapes[2]), q, k, v, shapes: shapes)
        let ref = reference(q, k, v, pairs: b * h, lq: lq, lk: lk, d: d, dv: dv, scale: 1 / Double(d).squareRoot())
        for (a, e) in zip(y, ref.y) { #expect(abs(Double(a) - e) < 1e-5) }
        for (a, e) in zip(probs, ref.probs) { #expect(abs(Double(a) - e) < 1e-6) }
    }

    @Test func identicalKeysAverageTheValues() throws {
        let shapes: [Shape] = [[1, 1, 2, 2], [1, 1, 3, 2], [1, 1, 3, 1]]
        let (y, probs) = forward(
            try make(shapes[0], shapes[1], shapes[2]), [1, 2, -3, 0.5], [1, 1, 1, 1, 1, 1], [3, 6, 9],
            shapes: shapes)
        #expect(y.allSatisfy { abs($0 - 6) < 1e-5 })
        #expect(probs.allSatisfy { abs($0 - 1.0 / 3) < 1e-6 })
    }

    @Test func scaleParam() throws {
        let s: Shape = [1, 1, 2, 4]
        var rng = TestRandom(seed: 2)
        let q = (0..<8).map { _ in rng.uniform(-1, 1) }, k = (0..<8).map { _ in rng.uniform(-1, 1) }, v = q
        let byDefault = forward(try make(s, s, s), q, k, v, shapes: [s, s, s])
        let named = forward(try make(s, s, s, scale: .string("1/sqrt(d)")), q, k, v, shapes: [s, s, s])
        let explicit = forward(try make(s, s, s, scale: .double(0.5)), q, k, v, shapes: [s, s, s])
        #expect(byDefault.y == named.y && byDefault.y == explicit.y)
        let doubled = forward(try make(s, s, s, scale: .int(1)), q, k, v, shapes: [s, s, s])
        let ref = reference(q, k, v, pairs: 1, lq: 2, lk: 2, d: 4, dv: 4, scale: 1)
        for (a, e) in zip(doubled.y, ref.y) { #expect(abs(Double(a) - e) < 1e-6) }
        #expect(throws: KernelSetupError.self) { try make(s, s, s, scale: .string("sqrt(d)")) }
        #expect(throws: KernelSetupError.self) { try make(s, s, s, scale: .bool(true)) }
    }

    @Test func mismatchedShapesAreRejected() {
        #expect(throws: KernelSetupError.self) { try make([2, 2, 4, 8], [2, 2, 4, 7], [2, 2, 4, 8]) }
        #expect(throws: KernelSetupError.self) { try make([2, 2, 4, 8], [2, 3, 4, 8], [2, 3, 4, 8]) }
        #expect(throws: KernelSetupError.self) { try make([2, 2, 4, 8], [2, 2, 4, 8], [2, 2, 5, 8]) }
        #expect(throws: KernelSetupError.self) { try make([2, 4, 8], [2, 4, 8], [2, 4, 8]) }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(
                Attention.self, params: .empty,
                inputs: [TensorSpec([1, 1, 2, 2]), TensorSpec([1, 1, 2, 2], .int32), TensorSpec([1, 1, 2, 2])])
        }
    }
}
