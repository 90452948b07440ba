import CanopyRuntime
import Testing

/// The kernels of T2B's decorrelation losses: batch_standardize, row_correlation,
/// exclude_class and matmul. Values against direct Double computations; backward by
/// finite differences on odd shapes.
@Suite struct StatisticsKernelTests {
    static func make(_ name: String, _ inputs: [TensorSpec], _ params: ParamValue = .empty) throws -> any Kernel {
        try BuiltInKernels.registry().make(name, params: params, inputs: inputs)
    }

    static func run(_ kernel: any Kernel, _ specs: [TensorSpec], _ values: [[Float]]) -> [Float] {
        let run = StandaloneKernel(kernel, inputs: specs)
        for (i, x) in values.enumerated() where specs[i].dtype == .float32 { _ = run.inputs[i].tensor.floats.update(from: x) }
        for (i, x) in values.enumerated() where specs[i].dtype == .int32 {
            for j in x.indices { run.inputs[i].tensor.i[j] = Int32(x[j]) }
        }
        run.forward()
        return run.outputs[0].tensor.toArray()
    }

    @Test func batchStandardizeValues() throws {
        let x: [Float] = [1, 10, 2, 10, 4, 10]  // [3, 2]: column 1 constant
        let y = Self.run(try Self.make("batch_standardize", [TensorSpec([3, 2])]), [TensorSpec([3, 2])], [x])
        let mean = 7.0 / 3, std = ((1 - mean) * (1 - mean) + (2 - mean) * (2 - mean) + (4 - mean) * (4 - mean)) / 3
        for (b, v) in [1.0, 2, 4].enumerated() { #expect(abs(Double(y[2 * b]) - (v - mean) / (std.squareRoot() + 1e-5)) < 1e-6) }
        #expect(y[1] == 0 && y[3] == 0 && y[5] == 0)
    }

    // Step 3e-3 (a few samples' std curves sharply, so a larger step adds second-order
    // error), tolerance 2e-3 (float32 rounding of the objective over the step is ~1e-4).
    @Test func batchStandardizeGradient() throws {
        for shape in [[5, 3], [7, 2, 3], [4, 1]] as [Shape] {
            GradientCheck(step: 3e-3, tolerance: 2e-3).check(try Self.make("batch_standardize", [TensorSpec(shape)]), inputs: [TensorSpec(shape)])
        }
    }

    @Test func rowCorrelationValues() throws {
        let a: [Float] = [1, 2, 3, 4, 0, 1, 0, 2], b: [Float] = [2, 4, 6, 8, 5, 3, 5, 1]  // [2, 4]
        let y = Self.run(
            try Self.make("row_correlation", [TensorSpec([2, 4]), TensorSpec([2, 4])]),
            [TensorSpec([2, 4]), TensorSpec([2, 4])], [a, b])
        #expect(abs(y[0] - 1) < 1e-6)  // b = 2a
        #expect(abs(y[1] - -1) < 1e-6)  // b = 5 - 2a
    }

    // Step 1e-2, tolerance 2e-3, as above.
    @Test func rowCorrelationGradient() throws {
        for shape in [[5, 7], [3], [2, 3, 9]] as [Shape] {
            let specs = [TensorSpec(shape), TensorSpec(shape)]
            GradientCheck(tolerance: 2e-3).check(try Self.make("row_correlation", specs), inputs: specs)
        }
    }

    @Test func excludeClassValuesAndGradient() throws {
        let specs = [TensorSpec([3, 4]), TensorSpec([3], .int32)]
        let y = Self.run(try Self.make("exclude_class", specs), specs, [Array((0..<12).map(Float.init)), [0, 3, 2]])
        #expect(y == [1, 2, 3, 4, 5, 6, 8, 9, 11])
        GradientCheck(tolerance: 1e-3).check(try Self.make("exclude_class", specs), inputs: specs, gradientInputs: [0]) { i, t, rng in
            if i == 1 {
                for j in 0..<t.count { t.i[j] = Int32(rng.index(4)) }
            } else {
                for j in 0..<t.count { t.f[j] = rng.uniform(-1, 1) }
            }
        }
    }

    @Test func matmulValuesAllTranspositions() throws {
        var rng = TestRandom(seed: 3)
        let (m, n, k) = (3, 5, 4)
        let a = (0..<m * k).map { _ in rng.uniform(-1, 1) }, b = (0..<k * n).map { _ in rng.uniform(-1, 1) }
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { for p in 0..<k { expected[i * n + j] += 0.5 * a[i * k + p] * b[p * n + j] } } }
        func transpose(_ x: [Float], _ r: Int, _ c: Int) -> [Float] { (0..<c * r).map { x[($0 % r) * c + $0 / r] } }
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let sa: TensorSpec = ta ? TensorSpec([k, m]) : TensorSpec([m, k]), sb: TensorSpec = tb ? TensorSpec([n, k]) : TensorSpec([k, n])
            let params = ParamValue.object([("transpose_a", .bool(ta)), ("transpose_b", .bool(tb)), ("alpha", .double(0.5))])
            let y = Self.run(try Self.make("matmul", [sa, sb], params), [sa, sb], [ta ? transpose(a, m, k) : a, tb ? transpose(b, k, n) : b])
            for (u, v) in zip(y, expected) { #expect(abs(u - v) < 1e-5) }
            GradientCheck(tolerance: 1e-3).check(try Self.make("matmul", [sa, sb], params), inputs: [sa, sb])
        }
        #expect(throws: (any Error).self) { try Self.make("matmul", [TensorSpec([2, 3]), TensorSpec([2, 3])]) }
    }
}
