import CanopyRuntime
import Testing

@Suite struct GELUTests {
    // Step 1e-2, tolerance 1e-3 (measured 1e-5); inputs in [-3, 3).
    @Test func gradientMatchesFiniteDifferences() throws {
        let spec = TensorSpec([5, 7, 3])
        let k = try BuiltInKernels.registry().make("gelu", params: .empty, inputs: [spec])
        GradientCheck(tolerance: 1e-3).check(k, inputs: [spec]) { _, t, rng in
            for j in 0..<t.count { t.f[j] = rng.uniform(-3, 3) }
        }
    }

    /// x * Phi(x) at 0, +-1, 2 and -3 (Phi from tables of the normal distribution).
    @Test func forwardMatchesTableValues() throws {
        let k = try BuiltInKernels.registry().make("gelu", params: .empty, inputs: [TensorSpec([5])])
        let run = StandaloneKernel(k, inputs: [TensorSpec([5])])
        _ = run.inputs[0].tensor.floats.update(from: [0, 1, -1, 2, -3])
        run.forward()
        expectApprox(run.outputs[0].tensor.toArray(), [0, 0.8413447, -0.1586553, 2 * 0.9772499, -3 * 0.0013499])
    }

    /// A tensor above the single-thread threshold gives the same values as elementwise calls.
    @Test func largeTensorMatchesSmallOnes() throws {
        let n = 40_003, spec = TensorSpec([n])
        let big = StandaloneKernel(try BuiltInKernels.registry().make("gelu", params: .empty, inputs: [spec]), inputs: [spec])
        let one = StandaloneKernel(try BuiltInKernels.registry().make("gelu", params: .empty, inputs: [TensorSpec([1])]), inputs: [TensorSpec([1])])
        var rng = TestRandom(seed: 4)
        for j in 0..<n { big.inputs[0].tensor.f[j] = rng.uniform(-4, 4) }
        big.forward()
        for j in stride(from: 0, to: n, by: 997) {
            one.inputs[0].tensor.f[0] = big.inputs[0].tensor.f[j]
            one.forward()
            #expect(one.outputs[0].tensor.f[0] == big.outputs[0].tensor.f[j])
        }
    }

    @Test func rejectsIntegerInputAndParams() {
        #expect(setupFailure("gelu", inputs: [TensorSpec([3], .int32)])?.blamedInput == 0)
        #expect(setupFailure("gelu", .object([("approximate", .string("tanh"))]), inputs: [TensorSpec([3])]) != nil)
    }
}
