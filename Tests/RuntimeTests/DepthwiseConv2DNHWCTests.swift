import CanopyRuntime
import Testing

/// depthwise_conv2d_nhwc: forward against the definition and against conv2d, gradient
/// checks (y is bilinear in x and the weight: step 1e-2, tolerance 2e-3), threads, errors.
@Suite struct DepthwiseConv2DNHWCTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var x: [Int], channels: Int, kernel: (Int, Int), window: (Int, Int)?, start: Int, bias: Bool
        var testDescription: String { "x \(x) C \(channels) k \(kernel) window \(String(describing: window)) start \(start) bias \(bias)" }
        var params: ParamValue {
            var pairs: [(key: String, value: ParamValue)] = [("start", .int(start))]
            if let window { pairs.append(("window", .array([.int(window.0), .int(window.1)]))) }
            return .object(pairs)
        }
        var specs: [TensorSpec] {
            [TensorSpec(Shape(x)), TensorSpec([channels, 1, kernel.0, kernel.1])] + (bias ? [TensorSpec([channels])] : [])
        }
    }

    static let cases: [Case] = [
        Case(x: [2, 5, 6, 7], channels: 4, kernel: (3, 3), window: (5, 2), start: 2, bias: true),
        Case(x: [2, 4, 6, 3], channels: 3, kernel: (3, 3), window: (1, 6), start: 0, bias: true),
        Case(x: [1, 4, 4, 5], channels: 5, kernel: (7, 7), window: nil, start: 0, bias: true),
        Case(x: [3, 3, 5, 2], channels: 2, kernel: (3, 5), window: nil, start: 0, bias: false),
        Case(x: [2, 2, 2, 12], channels: 4, kernel: (3, 3), window: (2, 2), start: 8, bias: true),
        Case(x: [2, 6, 6, 9], channels: 9, kernel: (3, 3), window: (3, 3), start: 0, bias: false),
    ]

    /// The definition: each output sums the taps that stay inside its window.
    static func reference(_ c: Case, x: [Float], w: [Float], b: [Float]?) -> [Float] {
        let (n, h, wd, cx) = (c.x[0], c.x[1], c.x[2], c.x[3])
        let (kh, kw) = c.kernel, (wh, ww) = c.window ?? (h, wd)
        var y: [Float] = []
        for bi in 0..<n {
            for r in 0..<h {
                for col in 0..<wd {
                    for k in 0..<c.channels {
                        var sum = Double(b?[k] ?? 0)
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let (rr, cc) = (r + i - (kh - 1) / 2, col + j - (kw - 1) / 2)
                                guard rr >= 0, cc >= 0, rr / wh == r / wh, cc / ww == col / ww, rr < h, cc < wd else { continue }
                                sum += Double(w[(k * kh + i) * kw + j]) * Double(x[((bi * h + rr) * wd + cc) * cx + c.start + k])
                            }
                        }
                        y.append(Float(sum))
                    }
                }
            }
        }
        return y
    }

    @Test(arguments: cases)
    func forwardMatchesDefinition(_ c: Case) throws {
        let kernel = try BuiltInKernels.registry().make("depthwise_conv2d_nhwc", params: c.params, inputs: c.specs)
        let run = StandaloneKernel(kernel, inputs: c.specs)
        var rng = TestRandom(seed: 4)
        for s in run.inputs { for i in 0..<s.tensor.count { s.tensor.f[i] = rng.uniform(-1, 1) } }
        run.forward()
        let expected = Self.reference(
            c, x: run.inputs[0].tensor.toArray(), w: run.inputs[1].tensor.toArray(),
            b: c.bias ? run.inputs[2].tensor.toArray() : nil)
        #expect(relativeError(run.outputs[0].tensor.toArray(), expected) < 1e-6)
        let kh = c.kernel.0, kw = c.kernel.1, pixels = c.x[0] * c.x[1] * c.x[2]
        #expect(kernel.macs == pixels * c.channels * kh * kw)
    }

    @Test(arguments: cases)
    func gradientMatchesFiniteDifferences(_ c: Case) throws {
        let kernel = try BuiltInKernels.registry().make("depthwise_conv2d_nhwc", params: c.params, inputs: c.specs)
        GradientCheck(tolerance: 2e-3).check(kernel, inputs: c.specs)
        GradientCheck(tolerance: 2e-3).check(kernel, inputs: c.specs, gradientInputs: [1])
    }

    /// Over the whole map it is conv2d with groups = C and padding (k - 1) / 2 on NCHW.
    @Test func wholeMapEqualsConv2D() throws {
        let (n, h, w, c) = (2, 6, 5, 3)
        var rng = TestRandom(seed: 8)
        let x = (0..<n * h * w * c).map { _ in rng.uniform(-1, 1) }
        let weight = (0..<c * 49).map { _ in rng.uniform(-1, 1) }, bias = (0..<c).map { _ in rng.uniform(-1, 1) }
        let specs = [TensorSpec([n, h, w, c]), TensorSpec([c, 1, 7, 7]), TensorSpec([c])]
        let nhwc = StandaloneKernel(try BuiltInKernels.registry().make("depthwise_conv2d_nhwc", params: .empty, inputs: specs), inputs: specs)
        for (i, values) in [x, weight, bias].enumerated() { _ = nhwc.inputs[i].tensor.floats.update(from: values) }
        nhwc.forward()
        let nchwSpecs = [TensorSpec([n, c, h, w]), specs[1], specs[2]]
        let conv = StandaloneKernel(
            try BuiltInKernels.registry().make(
                "conv2d", params: .object([("padding", .int(3)), ("groups", .int(c))]),
                inputs: nchwSpecs), inputs: nchwSpecs)
        _ = conv.inputs[0].tensor.floats.update(from: PermuteTests.reference(x, [n, h, w, c], [0, 3, 1, 2]))
        _ = conv.inputs[1].tensor.floats.update(from: weight)
        _ = conv.inputs[2].tensor.floats.update(from: bias)
        conv.forward()
        let expected = PermuteTests.reference(conv.outputs[0].tensor.toArray(), [n, c, h, w], [0, 2, 3, 1])
        #expect(relativeError(nhwc.outputs[0].tensor.toArray(), expected) < 1e-6)
    }

    @Test func setupErrors() {
        func fails(_ x: [Int], _ w: [Int], _ params: ParamValue = .empty, bias: [Int]? = nil) -> KernelSetupError? {
            setupFailure(
                "depthwise_conv2d_nhwc", params, inputs: [TensorSpec(Shape(x)), TensorSpec(Shape(w))] + (bias.map { [TensorSpec(Shape($0))] } ?? []))
        }
        #expect(fails([2, 4, 4, 3], [3, 1, 3, 3]) == nil)
        #expect(fails([2, 4, 4, 3], [3, 1, 2, 2])?.blamedInput == 1)
        #expect(fails([2, 4, 4, 3], [3, 2, 3, 3])?.blamedInput == 1)
        #expect(fails([2, 4, 4, 3], [3, 1, 3, 3], .object([("start", .int(1))]))?.blamedInput == 0)
        #expect(fails([2, 4, 4, 3], [3, 1, 3, 3], .object([("window", .int(3))]))?.blamedInput == 0)
        #expect(fails([2, 4, 4, 3], [3, 1, 3, 3], bias: [4])?.blamedInput == 2)
        #expect(fails([2, 4, 4], [3, 1, 3, 3])?.blamedInput == 0)
    }
}

/// Two threads split the windows: y and dx are the same bits as with one thread; the
/// weight and bias gradients sum per-chunk partials.
@Suite struct DepthwiseConv2DNHWCThreadTests {
    @Test func twoThreadsEqualOne() throws {
        let specs = [TensorSpec([8, 16, 16, 96]), TensorSpec([32, 1, 3, 3]), TensorSpec([32])]
        let params = ParamValue.object([("window", .array([.int(16), .int(2)])), ("start", .int(64))])
        func run(threads: Int) throws -> [[Float]] {
            let kernel = try BuiltInKernels.registry().make("depthwise_conv2d_nhwc", params: params, inputs: specs, threads: threads)
            let run = StandaloneKernel(kernel, inputs: specs)
            randomize(run, seed: 3)
            run.forward()
            run.backward()
            return [run.outputs[0].tensor.toArray()] + run.inputGrads.map { $0!.tensor.toArray() }
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        #expect(one[0] == two[0] && one[1] == two[1])
        #expect(relativeError(two[2], one[2]) < 1e-5 && relativeError(two[3], one[3]) < 1e-5)
    }
}
