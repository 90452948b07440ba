import CanopyRuntime
import Testing

/// The token pooling kernels T2B's token-wise branches use: `max` over one axis and
/// `attention_pool` with a learned query.
@Suite struct TokenPoolingTests {
    static func make(_ name: String, _ params: ParamValue, _ inputs: [TensorSpec]) throws -> any Kernel {
        try BuiltInKernels.registry().make(name, params: params, inputs: inputs)
    }

    static func axis(_ a: Int) -> ParamValue { .object([("axis", .int(a))]) }

    @Test func maxShapesAndValues() throws {
        #expect(try Self.make("max", Self.axis(1), [TensorSpec([2, 3, 4])]).outputs == [TensorSpec([2, 4])])
        #expect(try Self.make("max", Self.axis(-1), [TensorSpec([2, 3, 4])]).outputs == [TensorSpec([2, 3])])
        #expect(try Self.make("max", Self.axis(0), [TensorSpec([5])]).outputs == [TensorSpec([1])])
        #expect(throws: KernelSetupError.self) { try Self.make("max", Self.axis(3), [TensorSpec([2, 3, 4])]) }

        // x [1, 3, 2]: columns (1, 5, 5) and (-2, -7, 0): maxima 5 (first at row 1) and 0.
        let run = StandaloneKernel(try Self.make("max", Self.axis(1), [TensorSpec([1, 3, 2])]), inputs: [TensorSpec([1, 3, 2])])
        _ = run.inputs[0].tensor.floats.update(from: [1, -2, 5, -7, 5, 0])
        run.forward()
        #expect(run.outputs[0].tensor.toArray() == [5, 0])
        _ = run.outputGrads[0].tensor.floats.update(from: [10, 20])
        run.backward()
        #expect(run.inputGrads[0]!.tensor.toArray() == [0, 0, 10, 0, 0, 20])
    }

    @Test func maxPropagatesNaN() throws {
        let run = StandaloneKernel(try Self.make("max", Self.axis(0), [TensorSpec([3])]), inputs: [TensorSpec([3])])
        _ = run.inputs[0].tensor.floats.update(from: [1, .nan, 4])
        run.forward()
        #expect(run.outputs[0].tensor.f[0].isNaN)
    }

    // Piecewise linear: step 1e-3 on inputs spaced at least 0.05 apart, so no argmax flips.
    @Test func maxGradient() throws {
        for (shape, axis) in [([3, 5, 7], 1), ([4, 6], -1), ([5, 2, 3], 0)] as [([Int], Int)] {
            let spec = TensorSpec(Shape(shape))
            GradientCheck(step: 1e-3, tolerance: 1e-3).check(try Self.make("max", Self.axis(axis), [spec]), inputs: [spec]) { _, t, rng in
                var order = Array(0..<t.count)
                for i in order.indices.reversed() { order.swapAt(i, rng.index(i + 1)) }
                for i in 0..<t.count { t.f[i] = Float(order[i]) * 0.05 - 1 }
            }
        }
    }

    /// Hand-computed: two tokens, query picks the first more strongly.
    @Test func attentionPoolValues() throws {
        let specs = [TensorSpec([1, 2, 4]), TensorSpec([4])]
        let run = StandaloneKernel(try Self.make("attention_pool", .empty, specs), inputs: specs)
        _ = run.inputs[0].tensor.floats.update(from: [1, 0, 0, 0, 0, 1, 0, 0])
        _ = run.inputs[1].tensor.floats.update(from: [2, 0, 0, 0])
        run.forward()
        // scores 2/sqrt(4) = 1 and 0: weights e/(e+1), 1/(e+1).
        let e = Float(2.718281828459045)
        expectApprox(run.outputs[1].tensor.toArray(), [e / (e + 1), 1 / (e + 1)], tolerance: 1e-6)
        expectApprox(run.outputs[0].tensor.toArray(), [e / (e + 1), 1 / (e + 1), 0, 0], tolerance: 1e-6)
    }

    @Test func zeroQueryIsMeanPooling() throws {
        let specs = [TensorSpec([2, 3, 5]), TensorSpec([5])]
        let run = StandaloneKernel(try Self.make("attention_pool", .empty, specs), inputs: specs)
        var rng = TestRandom(seed: 4)
        let x = (0..<30).map { _ in rng.uniform(-1, 1) }
        _ = run.inputs[0].tensor.floats.update(from: x)
        _ = run.inputs[1].tensor.floats.update(from: [Float](repeating: 0, count: 5))
        run.forward()
        var mean: [Float] = []
        for b in 0..<2 {
            for c in 0..<5 {
                var total: Float = 0
                for n in 0..<3 { total += x[b * 15 + n * 5 + c] }
                mean.append(total / 3)
            }
        }
        expectApprox(run.outputs[0].tensor.toArray(), mean, tolerance: 1e-6)
    }

    // Smooth: step 1e-2, tolerance 2e-3; upstream gradients on both y and weights.
    @Test func attentionPoolGradient() throws {
        for (b, n, c) in [(2, 3, 5), (3, 7, 4), (1, 1, 6)] {
            let specs = [TensorSpec([b, n, c]), TensorSpec([c])]
            GradientCheck(tolerance: 2e-3).check(try Self.make("attention_pool", .empty, specs), inputs: specs)
        }
    }

    @Test func attentionPoolRejectsMismatchedQuery() {
        #expect(throws: KernelSetupError.self) { try Self.make("attention_pool", .empty, [TensorSpec([2, 3, 5]), TensorSpec([4])]) }
        #expect(throws: KernelSetupError.self) { try Self.make("attention_pool", .empty, [TensorSpec([2, 5]), TensorSpec([5])]) }
    }
}
