import CanopyRuntime
import Testing

/// The kernels CSS needs, usable by any method: `spatial_mask` (a corner square zeroed),
/// `divide` and `augment_labels`.
@Suite struct CSSKernelTests {
    private func kernel(_ name: String, _ params: ParamValue = .empty, _ inputs: [TensorSpec]) throws -> any Kernel {
        try BuiltInKernels.registry().make(name, params: params, inputs: inputs, threads: 1)
    }

    private func mask(_ corner: String, divisor: Int = 4) -> ParamValue {
        .object([("corner", .string(corner)), ("divisor", .int(divisor))])
    }

    /// On an 8x8 map of ones with divisor 4 the zero square is 2x2 at the corner: the zero
    /// positions (row, column) are exactly those, for every corner, in every plane; the
    /// top-right square is whole (the official code zeroes one column of it).
    @Test func zeroesExactlyTheCornerSquare() throws {
        let spec = TensorSpec([2, 3, 8, 8])
        let expected: [String: Set<[Int]>] = [
            "top_left": [[0, 0], [0, 1], [1, 0], [1, 1]], "bottom_right": [[6, 6], [6, 7], [7, 6], [7, 7]],
            "bottom_left": [[6, 0], [6, 1], [7, 0], [7, 1]], "top_right": [[0, 6], [0, 7], [1, 6], [1, 7]],
        ]
        for (corner, zeros) in expected {
            let run = StandaloneKernel(try kernel("spatial_mask", mask(corner), [spec]), inputs: [spec])
            run.inputs[0].tensor.floats.update(repeating: 1)
            run.forward()
            let y = run.outputs[0].tensor.toArray()
            for p in 0..<6 {
                for r in 0..<8 {
                    for c in 0..<8 {
                        #expect(y[(p * 8 + r) * 8 + c] == (zeros.contains([r, c]) ? 0 : 1), "\(corner) plane \(p) (\(r), \(c))")
                    }
                }
            }
        }
    }

    /// 16x16 (the CSS fork) with divisor 4: a 4x4 square, 16 zeros per plane.
    @Test func squareSideIsTheMapOverTheDivisor() throws {
        let spec = TensorSpec([1, 2, 16, 16])
        let run = StandaloneKernel(try kernel("spatial_mask", mask("bottom_left"), [spec]), inputs: [spec])
        run.inputs[0].tensor.floats.update(repeating: 2)
        run.forward()
        #expect(run.outputs[0].tensor.toArray().filter { $0 == 0 }.count == 2 * 16)
    }

    // Step 1e-2, tolerance 1e-3.
    @Test(arguments: ["top_left", "bottom_right", "bottom_left", "top_right"])
    func maskGradientMatchesFiniteDifferences(_ corner: String) throws {
        let spec = TensorSpec([2, 2, 8, 4])
        GradientCheck(tolerance: 1e-3).check(try kernel("spatial_mask", mask(corner), [spec]), inputs: [spec]) { _, t, rng in
            for j in 0..<t.count { t.f[j] = rng.uniform(-2, 2) }
        }
    }

    @Test func divideValuesAndGradient() throws {
        let spec = TensorSpec([3])
        let run = StandaloneKernel(try kernel("divide", .empty, [spec, spec]), inputs: [spec, spec])
        _ = run.inputs[0].tensor.floats.update(from: [1, -3, 0.5])
        _ = run.inputs[1].tensor.floats.update(from: [2, 4, -0.25])
        run.forward()
        expectApprox(run.outputs[0].tensor.toArray(), [0.5, -0.75, -2], tolerance: 1e-7)
        // Denominators kept away from zero, so the quotient is smooth at the step.
        GradientCheck(tolerance: 1e-3).check(
            try kernel("divide", .empty, [TensorSpec([5]), TensorSpec([5])]), inputs: [TensorSpec([5]), TensorSpec([5])]
        ) {
            k, t, rng in
            for j in 0..<t.count { t.f[j] = k == 0 ? rng.uniform(-2, 2) : rng.uniform(0.5, 2) * (j % 2 == 0 ? 1 : -1) }
        }
    }

    /// y n + i on int32 labels: 3 classes, n = 3, offset 2.
    @Test func augmentLabels() throws {
        let spec = TensorSpec([4], .int32)
        let run = StandaloneKernel(
            try kernel("augment_labels", .object([("factor", .int(3)), ("offset", .int(2))]), [spec]), inputs: [spec])
        let t = run.inputs[0].tensor.i
        for (j, y) in [0, 1, 2, 1].enumerated() { t[j] = Int32(y) }
        run.forward()
        let y = run.outputs[0].tensor.i
        #expect((0..<4).map { Int(y[$0]) } == [2, 5, 8, 5])
        #expect(throws: (any Error).self) { try kernel("augment_labels", .object([("factor", .int(3)), ("offset", .int(3))]), [spec]) }
    }
}
