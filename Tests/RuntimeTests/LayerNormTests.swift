import CanopyRuntime
import Testing

@Suite struct LayerNormTests {
    static func specs(_ x: Shape, channels: Int) -> [TensorSpec] { [TensorSpec(x), TensorSpec([channels]), TensorSpec([channels])] }

    static func params(_ layout: String, eps: Double = 1e-5) -> ParamValue {
        .object([("layout", .string(layout)), ("eps", .double(eps))])
    }

    // Step 1e-2, tolerance 1e-2 (measured up to 3e-3, with C = 3); saved_mean and saved_invstd
    // are in the objective, so their gradients are checked too.
    @Test func channelsLastGradient() throws {
        for x: Shape in [[3, 5, 7], [11, 3]] {
            let specs = Self.specs(x, channels: x[-1])
            let k = try BuiltInKernels.registry().make("layernorm", params: Self.params("channels_last"), inputs: specs)
            GradientCheck(tolerance: 1e-2).check(k, inputs: specs)
        }
    }

    @Test func channelsFirstGradient() throws {
        for x: Shape in [[2, 5, 3, 3], [3, 7, 5]] {
            let specs = Self.specs(x, channels: x[1])
            let k = try BuiltInKernels.registry().make("layernorm", params: Self.params("channels_first", eps: 1e-6), inputs: specs)
            GradientCheck(tolerance: 1e-2).check(k, inputs: specs, seed: 5)
        }
    }

    /// Rows (1, 2, 3) and (-2, 0, 8): means 2 and 2, biased variances 2/3 and 56/3.
    @Test func forwardMatchesHandValues() throws {
        let specs = Self.specs([2, 3], channels: 3)
        let k = try BuiltInKernels.registry().make("layernorm", params: .empty, inputs: specs)
        let run = StandaloneKernel(k, inputs: specs)
        _ = run.inputs[0].tensor.floats.update(from: [1, 2, 3, -2, 0, 8])
        _ = run.inputs[1].tensor.floats.update(from: [1, 2, -1])
        _ = run.inputs[2].tensor.floats.update(from: [0, 1, 0.5])
        run.forward()
        let s0 = 1 / (2.0 / 3 + 1e-5).squareRoot(), s1 = 1 / (56.0 / 3 + 1e-5).squareRoot()
        expectApprox(run.outputs[0].tensor.toArray(), [-s0, 1, -s0 + 0.5, -4 * s1, -4 * s1 + 1, -6 * s1 + 0.5].map { Float($0) })
        expectApprox(run.outputs[1].tensor.toArray(), [2, 2])
        expectApprox(run.outputs[2].tensor.toArray(), [Float(s0), Float(s1)])
    }

    /// channels_first on [N, C, H, W] equals channels_last on the same values moved to [N, H, W, C].
    @Test func layoutsAgree() throws {
        let (n, c, h, w) = (2, 5, 3, 2)
        var rng = TestRandom(seed: 9)
        let xFirst = (0..<(n * c * h * w)).map { _ in rng.uniform(-2, 2) }
        let gamma = (0..<c).map { _ in rng.uniform(-1, 1) }, beta = (0..<c).map { _ in rng.uniform(-1, 1) }
        var xLast = [Float](repeating: 0, count: xFirst.count)
        for i in 0..<n { for ch in 0..<c { for p in 0..<(h * w) { xLast[(i * h * w + p) * c + ch] = xFirst[(i * c + ch) * h * w + p] } } }
        func run(_ layout: String, _ shape: Shape, _ x: [Float]) throws -> StandaloneKernel {
            let specs = Self.specs(shape, channels: c)
            let r = StandaloneKernel(try BuiltInKernels.registry().make("layernorm", params: Self.params(layout), inputs: specs), inputs: specs)
            _ = r.inputs[0].tensor.floats.update(from: x)
            _ = r.inputs[1].tensor.floats.update(from: gamma)
            _ = r.inputs[2].tensor.floats.update(from: beta)
            r.forward()
            return r
        }
        let first = try run("channels_first", [n, c, h, w], xFirst), last = try run("channels_last", [n, h, w, c], xLast)
        #expect(first.outputs[1].tensor.shape == [n, 1, h, w])
        #expect(last.outputs[1].tensor.shape == [n, h, w, 1])
        let yFirst = first.outputs[0].tensor.toArray(), yLast = last.outputs[0].tensor.toArray()
        var moved = [Float](repeating: 0, count: yFirst.count)
        for i in 0..<n { for ch in 0..<c { for p in 0..<(h * w) { moved[(i * h * w + p) * c + ch] = yFirst[(i * c + ch) * h * w + p] } } }
        expectApprox(moved, yLast)
        expectApprox(first.outputs[2].tensor.toArray(), last.outputs[2].tensor.toArray())
    }

    @Test func shapeAndParamErrors() {
        #expect(setupFailure("layernorm", inputs: Self.specs([2, 4, 3], channels: 4))?.blamedInput == 1)
        #expect(setupFailure("layernorm", Self.params("channels_first"), inputs: Self.specs([2, 4, 3], channels: 3))?.blamedInput == 1)
        #expect(setupFailure("layernorm", Self.params("channels_first"), inputs: Self.specs([4], channels: 4))?.blamedInput == 0)
        #expect(setupFailure("layernorm", inputs: [TensorSpec([2, 3]), TensorSpec([3]), TensorSpec([2])])?.blamedInput == 2)
        let layout = setupFailure("layernorm", Self.params("channel_last"), inputs: Self.specs([2, 3], channels: 3))
        #expect(
            layout?.description == "layout: expected one of channels_last, channels_first, found \"channel_last\" (did you mean 'channels_last'?)")
    }
}
