import CanopyRuntime
import Testing

@Suite struct BatchNormTests {
    static func specs(_ x: Shape) -> [TensorSpec] { [TensorSpec(x), TensorSpec([x[1]]), TensorSpec([x[1]])] }

    static func make(_ name: String, _ x: Shape, _ params: ParamValue = .empty) throws -> any Kernel {
        try BuiltInKernels.registry().make(name, params: params, inputs: specs(x))
    }

    // Step 1e-2, tolerance 5e-3 (measured errors stay below 1e-3): float32 outputs, objective in Double.
    // The objective includes saved_mean and saved_invstd, so their gradients are checked too.
    @Test(arguments: [true, false])
    func batchnorm2dGradient(training: Bool) throws {
        let x: Shape = [3, 5, 4, 7]
        GradientCheck(tolerance: 5e-3, training: training).check(try Self.make("batchnorm2d", x), inputs: Self.specs(x))
    }

    @Test(arguments: [true, false])
    func batchnorm1dGradient(training: Bool) throws {
        for x: Shape in [[7, 5], [4, 3, 5]] {
            GradientCheck(tolerance: 5e-3, training: training).check(try Self.make("batchnorm1d", x), inputs: Self.specs(x), seed: 3)
        }
    }

    /// x [2, 2, 1, 2]: channel 0 holds 1, 2, 3, 6 (mean 3, biased variance 3.5, unbiased 14/3);
    /// channel 1 holds 0, 0, 4, -4 (mean 0, biased variance 8, unbiased 32/3).
    static let x: [Float] = [1, 2, 0, 0, 3, 6, 4, -4]
    static let shape: Shape = [2, 2, 1, 2]

    static func loaded(_ params: ParamValue = .empty) throws -> StandaloneKernel {
        let run = StandaloneKernel(try make("batchnorm2d", shape, params), inputs: specs(shape))
        _ = run.inputs[0].tensor.floats.update(from: x)
        _ = run.inputs[1].tensor.floats.update(from: [2, 0.5])
        _ = run.inputs[2].tensor.floats.update(from: [1, -1])
        _ = run.state[0].tensor.floats.update(from: [0.5, -1])
        _ = run.state[1].tensor.floats.update(from: [2, 1])
        return run
    }

    @Test func trainingUpdatesRunningStatsWithUnbiasedVariance() throws {
        let run = try Self.loaded()
        run.forward(training: true)
        expectApprox(run.state[0].tensor.toArray(), [0.9 * 0.5 + 0.1 * 3, 0.9 * -1 + 0.1 * 0])
        expectApprox(run.state[1].tensor.toArray(), [0.9 * 2 + 0.1 * 14 / 3, 0.9 * 1 + 0.1 * 32 / 3])
        let s0 = 1 / (3.5 + 1e-5).squareRoot(), s1 = 1 / (8 + 1e-5).squareRoot()
        expectApprox(run.outputs[1].tensor.toArray(), [3, 0])
        expectApprox(run.outputs[2].tensor.toArray(), [Float(s0), Float(s1)])
        let expected: [Float] = [0, 1, 0, 0, 1, 2, 0, 1].map { Float($0) }.enumerated().map { i, _ in
            let c = (i / 2) % 2, v = Double(Self.x[i])
            return Float(c == 0 ? 2 * (v - 3) * s0 + 1 : 0.5 * v * s1 - 1)
        }
        expectApprox(run.outputs[0].tensor.toArray(), expected)
    }

    @Test func momentumParamIsUsed() throws {
        let run = try Self.loaded(.object([("momentum", .double(0.5)), ("eps", .double(1e-3))]))
        run.forward(training: true)
        expectApprox(run.state[0].tensor.toArray(), [0.5 * 0.5 + 0.5 * 3, 0.5 * -1])
        expectApprox(run.state[1].tensor.toArray(), [0.5 * 2 + 0.5 * 14 / 3, 0.5 * 1 + 0.5 * 32 / 3])
        expectApprox(run.outputs[2].tensor.toArray(), [Float(1 / (3.5 + 1e-3).squareRoot()), Float(1 / (8 + 1e-3).squareRoot())])
    }

    @Test func evaluationUsesRunningStatsForwardAndBackward() throws {
        let run = try Self.loaded()
        let dy: [Float] = [1, -2, 0.5, 3, -1, 0.25, 2, -0.5]
        _ = run.outputGrads[0].tensor.floats.update(from: dy)
        run.outputGrads[1].tensor.zero()
        run.outputGrads[2].tensor.zero()
        run.forward(training: false)
        run.zeroGradients()
        run.backward(training: false)
        expectApprox(run.state[0].tensor.toArray(), [0.5, -1])
        expectApprox(run.state[1].tensor.toArray(), [2, 1])
        let mean: [Double] = [0.5, -1], invstd = [1 / (2 + 1e-5).squareRoot(), 1 / (1 + 1e-5).squareRoot()]
        let gamma: [Double] = [2, 0.5], beta: [Double] = [1, -1]
        var y = [Float](), dx = [Float](), dGamma = [0.0, 0.0], dBeta = [0.0, 0.0]
        for (i, v) in Self.x.enumerated() {
            let c = (i / 2) % 2, xhat = (Double(v) - mean[c]) * invstd[c]
            y.append(Float(gamma[c] * xhat + beta[c]))
            dx.append(Float(gamma[c] * invstd[c] * Double(dy[i])))
            dGamma[c] += Double(dy[i]) * xhat
            dBeta[c] += Double(dy[i])
        }
        expectApprox(run.outputs[0].tensor.toArray(), y)
        expectApprox(run.inputGrads[0]!.tensor.toArray(), dx)
        expectApprox(run.inputGrads[1]!.tensor.toArray(), dGamma.map { Float($0) })
        expectApprox(run.inputGrads[2]!.tensor.toArray(), dBeta.map { Float($0) })
    }

    /// dx = (gamma/sigma)(dy - mean(dy) - xhat*mean(dy*xhat)) for channel 0 of the hand case.
    @Test func trainingBackwardMatchesClosedForm() throws {
        let run = try Self.loaded()
        let dy: [Float] = [1, -2, 0.5, 3, -1, 0.25, 2, -0.5]
        _ = run.outputGrads[0].tensor.floats.update(from: dy)
        run.outputGrads[1].tensor.zero()
        run.outputGrads[2].tensor.zero()
        run.forward(training: true)
        run.zeroGradients()
        run.backward(training: true)
        let index = [0, 1, 4, 5], invstd = 1 / (3.5 + 1e-5).squareRoot()
        let xhat = index.map { (Double(Self.x[$0]) - 3) * invstd }, g = index.map { Double(dy[$0]) }
        let meanDy = g.reduce(0, +) / 4, meanDyX = zip(g, xhat).map { $0 * $1 }.reduce(0, +) / 4
        let dx = (0..<4).map { Float(2 * invstd * (g[$0] - meanDy - xhat[$0] * meanDyX)) }
        let got = run.inputGrads[0]!.tensor.toArray()
        expectApprox(index.map { got[$0] }, dx)
        expectApprox([run.inputGrads[1]!.tensor.toArray()[0]], [Float(meanDyX * 4)])
    }

    @Test func shapeErrorsNameTheInput() {
        #expect(setupFailure("batchnorm2d", inputs: Self.specs([2, 3, 4]))?.blamedInput == 0)
        #expect(setupFailure("batchnorm1d", inputs: Self.specs([2, 3, 4, 4]))?.blamedInput == 0)
        #expect(setupFailure("batchnorm2d", inputs: [TensorSpec([2, 3, 4, 4]), TensorSpec([4]), TensorSpec([3])])?.blamedInput == 1)
        #expect(setupFailure("batchnorm2d", inputs: [TensorSpec([2, 3, 4, 4]), TensorSpec([3]), TensorSpec([3, 1])])?.blamedInput == 2)
        #expect(setupFailure("batchnorm2d", .object([("momentum", .double(2))]), inputs: Self.specs([2, 3, 4, 4])) != nil)
        #expect(setupFailure("batchnorm2d", .object([("eps", .int(0))]), inputs: Self.specs([2, 3, 4, 4])) != nil)
        #expect(
            setupFailure("batchnorm2d", .object([("epss", .double(1e-3))]), inputs: Self.specs([2, 3, 4, 4]))?
                .description.contains("did you mean 'eps'") == true)
    }

    @Test func outputsAndStateHaveTheDocumentedShapes() throws {
        let k = try Self.make("batchnorm2d", [2, 3, 4, 4])
        #expect(k.outputs == [TensorSpec([2, 3, 4, 4]), TensorSpec([3]), TensorSpec([3])])
        #expect(k.state == [TensorSpec([3]), TensorSpec([3])])
        #expect(BatchNorm2d.outputNames == ["y", "saved_mean", "saved_invstd"])
        #expect(BatchNorm2d.stateNames == ["running_mean", "running_var"])
    }
}
