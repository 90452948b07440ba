import CanopyRuntime
import Testing

@Suite struct SigmoidTests {
    private func kernel(_ spec: TensorSpec, threads: Int = 1) throws -> any Kernel {
        try BuiltInKernels.registry().make("sigmoid", params: .empty, inputs: [spec], threads: threads)
    }

    /// sigmoid at 0, +-1, 2 (tables: 0.5, 0.7310585786, 0.2689414214, 0.8807970780) and in
    /// the tails: 1 at +50 and +100, exp(-50) / (1 + exp(-50)) = 1.9287498e-22 at -50 and
    /// the subnormal 3.72e-44 at -100 (a naive 1 / (1 + exp(100)) gives 0 there).
    @Test func forwardMatchesTableValuesAndStaysStableInTheTails() throws {
        let spec = TensorSpec([8])
        let run = StandaloneKernel(try kernel(spec), inputs: [spec])
        _ = run.inputs[0].tensor.floats.update(from: [0, 1, -1, 2, 50, -50, 100, -100])
        run.forward()
        let y = run.outputs[0].tensor.toArray()
        expectApprox(Array(y[0..<4]), [0.5, 0.7310585786, 0.2689414214, 0.8807970780], tolerance: 1e-6)
        #expect(y[4] == 1 && y[6] == 1)
        #expect(abs(y[5] - 1.9287498e-22) <= 1e-6 * 1.9287498e-22, "sigmoid(-50) = \(y[5])")
        #expect(y[7] > 0 && abs(Double(y[7]) - 3.720076e-44) <= 0.05 * 3.720076e-44, "sigmoid(-100) = \(y[7])")
    }

    @Test func limitsAndNaN() throws {
        let spec = TensorSpec([3])
        let run = StandaloneKernel(try kernel(spec), inputs: [spec])
        _ = run.inputs[0].tensor.floats.update(from: [.infinity, -.infinity, .nan])
        run.forward()
        let y = run.outputs[0].tensor.toArray()
        #expect(y[0] == 1 && y[1] == 0 && y[2].isNaN)
    }

    /// dx += dy * y (1 - y): at 0, 1 + 1 * 0.25; at 2, 1 + 2 * 0.1049935854; at -50,
    /// 1 + 3 * 1.93e-22 (= 1 in float); onto a gradient that starts at 1.
    @Test func backwardAddsFromTheSavedOutput() throws {
        let spec = TensorSpec([3])
        let run = StandaloneKernel(try kernel(spec), inputs: [spec])
        _ = run.inputs[0].tensor.floats.update(from: [0, 2, -50])
        _ = run.outputGrads[0].tensor.floats.update(from: [1, 2, 3])
        run.inputGrads[0]!.tensor.floats.update(repeating: 1)
        run.forward()
        run.inputs[0].tensor.floats.update(repeating: .nan)  // backward must not read x
        run.backward()
        expectApprox(run.inputGrads[0]!.tensor.toArray(), [1.25, 1.2099871708, 1], tolerance: 1e-6)
    }

    // Step 1e-2, tolerance 1e-3; inputs in [-6, 6).
    @Test func gradientMatchesFiniteDifferences() throws {
        let spec = TensorSpec([4, 7, 3])
        GradientCheck(tolerance: 1e-3).check(try kernel(spec), inputs: [spec]) { _, t, rng in
            for j in 0..<t.count { t.f[j] = rng.uniform(-6, 6) }
        }
    }

    /// Above the split threshold, a kernel built for two threads gives the values and
    /// gradients of one built for one, bit for bit (the work is elementwise).
    @Test func twoThreadsEqualOne() throws {
        let spec = TensorSpec([40_003])
        func run(threads: Int) throws -> [[Float]] {
            let run = StandaloneKernel(try kernel(spec, threads: threads), inputs: [spec])
            var rng = TestRandom(seed: 9)
            for j in 0..<spec.shape.count {
                run.inputs[0].tensor.f[j] = rng.uniform(-20, 20)
                run.outputGrads[0].tensor.f[j] = rng.uniform(-1, 1)
            }
            run.forward()
            run.backward()
            return [run.outputs[0].tensor.toArray(), run.inputGrads[0]!.tensor.toArray()]
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        #expect(one[0] == two[0], "values")
        #expect(one[1] == two[1], "gradients")
    }

    @Test func rejectsIntegerInputAndParams() {
        #expect(setupFailure("sigmoid", inputs: [TensorSpec([3], .int32)])?.blamedInput == 0)
        #expect(setupFailure("sigmoid", .object([("scale", .double(2))]), inputs: [TensorSpec([3])]) != nil)
    }
}
