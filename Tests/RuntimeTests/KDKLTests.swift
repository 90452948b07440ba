import CanopyRuntime
import Foundation
import Testing

/// kd_kl. Gradient checks use step 1e-2 and relative tolerance 2e-2, with the teacher
/// gradient requested (mutual learning) and not requested (detached teacher).
@Suite struct KDKLTests {
    func make(
        _ shape: Shape, temperature: Double = 1, eps: Double = 0, tSquared: Bool = true,
        reduction: String = "batchmean"
    ) throws -> any Kernel {
        try KernelRegistry.make(
            KDKL.self,
            params: .object([
                ("temperature", .double(temperature)), ("teacher_eps", .double(eps)),
                ("t_squared", .bool(tSquared)), ("reduction", .string(reduction)),
            ]),
            inputs: [TensorSpec(shape), TensorSpec(shape)])
    }

    /// Forward and backward (upstream gradient 1) on student `s` and teacher `t` [B, C].
    func run(
        _ kernel: any Kernel, _ s: [Float], _ t: [Float], shape: Shape,
        teacherGradient: Bool = true
    ) -> (loss: Float, student: [Float], teacher: [Float]?) {
        let run = StandaloneKernel(
            kernel, inputs: [TensorSpec(shape), TensorSpec(shape)],
            gradientInputs: teacherGradient ? [0, 1] : [0])
        _ = run.inputs[0].tensor.floats.update(from: s)
        _ = run.inputs[1].tensor.floats.update(from: t)
        run.forward()
        run.outputGrads[0].tensor.f[0] = 1
        run.backward()
        return (run.outputs[0].tensor.f[0], run.inputGrads[0]!.tensor.toArray(), run.inputGrads[1]?.tensor.toArray())
    }

    /// T^2/B * sum KL(softmax(t/T) + eps || softmax(s/T)) in Double.
    func reference(_ s: [Float], _ t: [Float], classes c: Int, temperature: Double, eps: Double) -> Double {
        let b = s.count / c
        var total = 0.0
        for r in 0..<b {
            func logSoftmax(_ x: [Float]) -> [Double] {
                let row = x[r * c..<(r + 1) * c].map { Double($0) / temperature }
                let m = row.max()!
                let lse = m + log(row.map { exp($0 - m) }.reduce(0, +))
                return row.map { $0 - lse }
            }
            let lp = logSoftmax(s), lq = logSoftmax(t)
            for j in 0..<c {
                let q = exp(lq[j]) + eps
                total += q * (log(q) - lp[j])
            }
        }
        return temperature * temperature * total / Double(b)
    }

    @Test(arguments: [1.0, 3.0])
    func gradientMatchesFiniteDifferences(temperature: Double) throws {
        let shapes: [Shape] = [[1, 2], [5, 10], [3, 7], [2, 1]]
        for (i, shape) in shapes.enumerated() {
            for eps in [0.0, 1e-7, 0.05] {
                for teacher in [false, true] {
                    let k = try make(shape, temperature: temperature, eps: eps)
                    GradientCheck().check(
                        k, inputs: [TensorSpec(shape), TensorSpec(shape)],
                        gradientInputs: teacher ? nil : [0], seed: UInt64(i + 1)
                    ) { _, t, rng in
                        for j in 0..<t.count { t.f[j] = rng.uniform(-3, 3) }
                    }
                }
            }
        }
    }

    @Test func sumReductionAndPlainKLGradientsMatchFiniteDifferences() throws {
        let shape: Shape = [4, 5]
        for k in [try make(shape, temperature: 2, reduction: "sum"), try make(shape, temperature: 2, tSquared: false)] {
            GradientCheck().check(k, inputs: [TensorSpec(shape), TensorSpec(shape)])
        }
    }

    @Test(arguments: [(1.0, 0.0), (3.0, 0.0), (3.0, 1e-7), (2.0, 0.01)])
    func lossMatchesDoubleReference(temperature: Double, eps: Double) throws {
        var rng = TestRandom(seed: 9)
        let s = (0..<21).map { _ in rng.uniform(-4, 4) }, t = (0..<21).map { _ in rng.uniform(-4, 4) }
        let (loss, _, _) = run(try make([3, 7], temperature: temperature, eps: eps), s, t, shape: [3, 7])
        let expected = reference(s, t, classes: 7, temperature: temperature, eps: eps)
        #expect(abs(Double(loss) - expected) <= 1e-5 * max(1, expected))
    }

    @Test func identicalLogitsGiveZeroLossAndGradient() throws {
        let z: [Float] = [0.3, -1, 2, 0.5, 0.5, 4]
        let (loss, gs, gt) = run(try make([2, 3], temperature: 3), z, z, shape: [2, 3])
        #expect(abs(loss) < 1e-6)
        #expect(gs.allSatisfy { abs($0) < 1e-6 })
        #expect(gt!.allSatisfy { abs($0) < 1e-6 })
    }

    @Test func scaleAndReductionOptions() throws {
        var rng = TestRandom(seed: 3)
        let s = (0..<12).map { _ in rng.uniform(-2, 2) }, t = (0..<12).map { _ in rng.uniform(-2, 2) }
        let base = run(try make([4, 3], temperature: 3), s, t, shape: [4, 3])
        let plain = run(try make([4, 3], temperature: 3, tSquared: false), s, t, shape: [4, 3])
        let summed = run(try make([4, 3], temperature: 3, reduction: "sum"), s, t, shape: [4, 3])
        #expect(abs(plain.loss * 9 - base.loss) < 1e-6)
        #expect(abs(summed.loss - 4 * base.loss) < 1e-5)
        for (a, b) in zip(base.student, plain.student) { #expect(abs(a - 9 * b) < 1e-6) }
    }

    @Test func detachedTeacherLeavesStudentGradientUnchanged() throws {
        var rng = TestRandom(seed: 4)
        let s = (0..<20).map { _ in rng.uniform(-2, 2) }, t = (0..<20).map { _ in rng.uniform(-2, 2) }
        let k = try make([4, 5], temperature: 3, eps: 1e-7)
        let mutual = run(k, s, t, shape: [4, 5]), detached = run(k, s, t, shape: [4, 5], teacherGradient: false)
        #expect(detached.teacher == nil)
        #expect(mutual.student == detached.student)
        // The student gradient at T: T * (sum(q) * p - q) / B; it sums to ~0 over each row.
        for r in 0..<4 { #expect(abs(mutual.student[r * 5..<(r + 1) * 5].reduce(0, +)) < 1e-5) }
    }

    @Test func shapeAndParamErrors() {
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(KDKL.self, params: .empty, inputs: [TensorSpec([4, 10]), TensorSpec([4, 9])])
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(KDKL.self, params: .empty, inputs: [TensorSpec([4, 10]), TensorSpec([4, 10], .int32)])
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(KDKL.self, params: .object([("temperature", .int(-1))]), inputs: [TensorSpec([4, 10]), TensorSpec([4, 10])])
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(
                KDKL.self, params: .object([("reduction", .string("mean"))]), inputs: [TensorSpec([4, 10]), TensorSpec([4, 10])])
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(
                KDKL.self, params: .object([("teacher_eps", .double(-1e-7))]), inputs: [TensorSpec([2, 3]), TensorSpec([2, 3])])
        }
    }
}
