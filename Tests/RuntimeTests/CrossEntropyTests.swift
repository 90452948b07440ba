import CanopyRuntime
import Foundation
import Testing

/// cross_entropy. Gradient checks use step 1e-2 and relative tolerance 2e-2; targets are
/// random classes.
@Suite struct CrossEntropyTests {
    func make(_ shape: Shape, smoothing: Double = 0, reduction: String = "mean") throws -> any Kernel {
        try KernelRegistry.make(
            CrossEntropy.self,
            params: .object([
                ("label_smoothing", .double(smoothing)),
                ("reduction", .string(reduction)),
            ]),
            inputs: [TensorSpec(shape), TensorSpec([shape[0]], .int32)])
    }

    /// Forward and backward (upstream gradient 1) with the given logits and targets.
    func run(
        _ logits: [Float], _ target: [Int32], classes: Int, smoothing: Double = 0,
        reduction: String = "mean"
    ) throws -> (loss: Float, grad: [Float]) {
        let shape: Shape = [target.count, classes]
        let run = StandaloneKernel(
            try make(shape, smoothing: smoothing, reduction: reduction),
            inputs: [TensorSpec(shape), TensorSpec([target.count], .int32)])
        _ = run.inputs[0].tensor.floats.update(from: logits)
        _ = run.inputs[1].tensor.ints.update(from: target)
        run.forward()
        run.outputGrads[0].tensor.f[0] = 1
        run.backward()
        return (run.outputs[0].tensor.f[0], run.inputGrads[0]!.tensor.toArray())
    }

    @Test(arguments: [0.0, 0.1, 0.3])
    func gradientMatchesFiniteDifferences(smoothing: Double) throws {
        let shapes: [Shape] = [[1, 3], [5, 10], [3, 7], [8, 1]]
        for (i, shape) in shapes.enumerated() {
            for reduction in ["mean", "sum"] {
                let specs = [TensorSpec(shape), TensorSpec([shape[0]], .int32)]
                GradientCheck().check(
                    try make(shape, smoothing: smoothing, reduction: reduction), inputs: specs,
                    seed: UInt64(i + 1)
                ) { index, t, rng in
                    for j in 0..<t.count {
                        if index == 0 { t.f[j] = rng.uniform(-3, 3) } else { t.i[j] = Int32(rng.index(shape[1])) }
                    }
                }
            }
        }
    }

    @Test(arguments: [0.0, 0.2])
    func uniformLogitsGiveLogC(smoothing: Double) throws {
        let (loss, grad) = try run([Float](repeating: 0.5, count: 28), [0, 3, 6, 2], classes: 7, smoothing: smoothing)
        #expect(abs(Double(loss) - log(7)) < 1e-6)
        let hit = (1 - smoothing) + smoothing / 7
        #expect(abs(Double(grad[3 + 7]) - (1.0 / 7 - hit) / 4) < 1e-7)
        #expect(abs(Double(grad[0 + 7]) - (1.0 / 7 - smoothing / 7) / 4) < 1e-7)
    }

    @Test func smallCaseMatchesHandComputation() throws {
        let z: [Double] = [1, 2, 3, -1, 0.5, 0]
        let target: [Int32] = [2, 0]
        let eps = 0.1
        var expected = 0.0
        for b in 0..<2 {
            let row = Array(z[b * 3..<(b + 1) * 3])
            let lse = log(row.map(exp).reduce(0, +))
            let logp = row.map { $0 - lse }
            expected += -(1 - eps) * logp[Int(target[b])] - eps / 3 * logp.reduce(0, +)
        }
        let mean = try run(z.map(Float.init), target, classes: 3, smoothing: eps)
        #expect(abs(Double(mean.loss) - expected / 2) < 1e-6)
        let sum = try run(z.map(Float.init), target, classes: 3, smoothing: eps, reduction: "sum")
        #expect(abs(Double(sum.loss) - expected) < 2e-6)
        for (a, b) in zip(mean.grad, sum.grad) { #expect(abs(2 * a - b) < 1e-7) }
    }

    @Test func outOfRangeTargetGivesNaNWithoutTrapping() throws {
        let z: [Float] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
        for bad: Int32 in [-1, 3, Int32.max, Int32.min] {
            let (loss, grad) = try run(z, [1, bad, 0], classes: 3)
            #expect(loss.isNaN)
            #expect(grad[3..<6].allSatisfy { $0.isNaN })
            #expect(grad[0..<3].allSatisfy(\.isFinite) && grad[6..<9].allSatisfy(\.isFinite))
        }
    }

    @Test func targetMustMatchBatchAndBeInt32() {
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(CrossEntropy.self, params: .empty, inputs: [TensorSpec([4, 10]), TensorSpec([5], .int32)])
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(CrossEntropy.self, params: .empty, inputs: [TensorSpec([4, 10]), TensorSpec([4, 1], .int32)])
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(CrossEntropy.self, params: .empty, inputs: [TensorSpec([4, 10]), TensorSpec([4])])
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(CrossEntropy.self, params: .empty, inputs: [TensorSpec([4, 10, 2]), TensorSpec([4], .int32)])
        }
    }

    @Test func badParamsAreRejected() {
        let specs = [TensorSpec([4, 10]), TensorSpec([4], .int32)]
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(CrossEntropy.self, params: .object([("label_smoothing", .double(1.5))]), inputs: specs)
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(CrossEntropy.self, params: .object([("reduction", .string("batchmean"))]), inputs: specs)
        }
    }
}
