import CanopyRuntime
import Testing

/// drop_path: reproducible per-sample masks from the seed input, identity in
/// evaluation, unbiased on average, and a backward that matches finite differences
/// (the mask is fixed by the seed, so y is linear in x: step 1e-2, tolerance 1e-3).
@Suite struct DropPathTests {
    static func make(rate: Double, salt: Int = 0, _ x: Shape) throws -> any Kernel {
        try BuiltInKernels.registry().make(
            "drop_path", params: .object([("rate", .double(rate)), ("salt", .int(salt))]),
            inputs: [TensorSpec(x), TensorSpec([2], .int32)])
    }

    /// Runs the kernel on x = 1 everywhere and returns y.
    static func run(rate: Double, salt: Int = 0, seed: (Int32, Int32), samples: Int = 64, training: Bool = true) throws -> [Float] {
        let shape: Shape = [samples, 3, 2]
        let run = StandaloneKernel(try make(rate: rate, salt: salt, shape), inputs: [TensorSpec(shape), TensorSpec([2], .int32)])
        for i in 0..<shape.count { run.inputs[0].tensor.f[i] = 1 }
        _ = run.inputs[1].tensor.ints.update(from: [seed.0, seed.1])
        run.forward(training: training)
        return run.outputs[0].tensor.toArray()
    }

    @Test func masksArePerSampleScaledAndReproducible() throws {
        let y = try Self.run(rate: 0.25, seed: (7, 3))
        for n in 0..<64 {
            let sample = Array(y[(n * 6)..<(n * 6 + 6)])
            #expect(sample.allSatisfy { $0 == sample[0] } && (sample[0] == 0 || sample[0] == Float(1 / 0.75)))
        }
        #expect(y.contains(0) && y.contains(Float(1 / 0.75)))
        #expect(try Self.run(rate: 0.25, seed: (7, 3)) == y, "same seed, same mask")
        #expect(try Self.run(rate: 0.25, seed: (7, 4)) != y, "the step counter changes the mask")
        #expect(try Self.run(rate: 0.25, seed: (8, 3)) != y, "the run seed changes the mask")
        #expect(try Self.run(rate: 0.25, salt: 1, seed: (7, 3)) != y, "the salt changes the mask")
    }

    @Test func identityInEvaluationAndAtRateZero() throws {
        #expect(try Self.run(rate: 0.5, seed: (1, 1), training: false).allSatisfy { $0 == 1 })
        #expect(try Self.run(rate: 0, seed: (1, 1)).allSatisfy { $0 == 1 })
    }

    /// Over 200 steps x 64 samples the mean factor is 1 within 6 standard errors
    /// (sd of one factor sqrt(p / (1 - p)) = 0.65 at p = 0.3), and the kept fraction 0.7.
    @Test func expectedValueIsTheInput() throws {
        var sum = 0.0, kept = 0
        let draws = 200 * 64
        for step in 0..<200 {
            let y = try Self.run(rate: 0.3, salt: 12345, seed: (42, Int32(step)))
            for n in 0..<64 {
                sum += Double(y[n * 6])
                if y[n * 6] != 0 { kept += 1 }
            }
        }
        let tolerance = 6 * (0.3 / 0.7).squareRoot() / Double(draws).squareRoot()
        #expect(abs(sum / Double(draws) - 1) < tolerance)
        #expect(abs(Double(kept) / Double(draws) - 0.7) < 6 * (0.21 / Double(draws)).squareRoot())
    }

    @Test func gradientMatchesFiniteDifferences() throws {
        for (rate, training) in [(0.4, true), (0.4, false), (0.0, true)] {
            let shape: Shape = [9, 2, 3]
            let specs = [TensorSpec(shape), TensorSpec([2], .int32)]
            var check = GradientCheck(tolerance: 1e-3)
            check.training = training
            check.check(try Self.make(rate: rate, salt: 5, shape), inputs: specs) { i, t, rng in
                if i == 1 {
                    _ = t.ints.update(from: [11, 2])
                } else {
                    for j in 0..<t.count { t.f[j] = rng.uniform(-1, 1) }
                }
            }
        }
    }

    @Test func badParamsAreRejected() {
        let x = TensorSpec([4, 3])
        #expect(setupFailure("drop_path", .object([("rate", .double(1))]), inputs: [x, TensorSpec([2], .int32)]) != nil)
        #expect(setupFailure("drop_path", .object([("rate", .double(-0.1))]), inputs: [x, TensorSpec([2], .int32)]) != nil)
        #expect(setupFailure("drop_path", .empty, inputs: [x, TensorSpec([2])])?.blamedInput == 1)
        #expect(setupFailure("drop_path", .empty, inputs: [x, TensorSpec([3], .int32)])?.blamedInput == 1)
        #expect(setupFailure("drop_path", .object([("p", .double(0.1))]), inputs: [x, TensorSpec([2], .int32)]) != nil)
    }
}
