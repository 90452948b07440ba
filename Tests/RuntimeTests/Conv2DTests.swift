import CanopyRuntime
import Testing

/// One convolution configuration for the tests.
struct ConvCase: CustomStringConvertible, Sendable {
    var n: Int, cin: Int, h: Int, w: Int, cout: Int, kh: Int, kw: Int
    var stride = [1, 1], padding = [0, 0], dilation = [1, 1], groups = 1, bias = true

    var params: ParamValue {
        .object([
            ("stride", .array(stride.map { .int($0) })), ("padding", .array(padding.map { .int($0) })),
            ("dilation", .array(dilation.map { .int($0) })), ("groups", .int(groups)),
        ])
    }
    var decoded: Conv2D.Params {
        Conv2D.Params(
            stride: SpatialPair(stride[0], stride[1]), padding: SpatialPair(padding[0], padding[1]),
            dilation: SpatialPair(dilation[0], dilation[1]), groups: groups)
    }
    var inputs: [TensorSpec] {
        [TensorSpec([n, cin, h, w]), TensorSpec([cout, cin / groups, kh, kw])] + (bias ? [TensorSpec([cout])] : [])
    }
    var outH: Int { (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0] + 1 }
    var outW: Int { (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1] + 1 }
    var description: String {
        "x[\(n),\(cin),\(h),\(w)] k\(kh)x\(kw) out \(cout) s\(stride) p\(padding) d\(dilation) g\(groups)\(bias ? "" : " nobias")"
    }

    /// The convolution by its definition, in Double.
    func reference(x: [Float], weight: [Float], bias b: [Float]?) -> [Float] {
        let cg = cin / groups, mg = cout / groups
        var y = [Float](repeating: 0, count: n * cout * outH * outW)
        for s in 0..<n {
            for co in 0..<cout {
                for oh in 0..<outH {
                    for ow in 0..<outW {
                        var sum = Double(b?[co] ?? 0)
                        let group = co / mg
                        for c in 0..<cg {
                            for i in 0..<kh {
                                for j in 0..<kw {
                                    let ih = oh * stride[0] - padding[0] + i * dilation[0], iw = ow * stride[1] - padding[1] + j * dilation[1]
                                    guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                                    let xv = x[((s * cin + group * cg + c) * h + ih) * w + iw]
                                    sum += Double(xv) * Double(weight[((co * cg + c) * kh + i) * kw + j])
                                }
                            }
                        }
                        y[((s * cout + co) * outH + oh) * outW + ow] = Float(sum)
                    }
                }
            }
        }
        return y
    }
}

/// Relative L2 distance of `a` from `b`.
func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    var d = 0.0, n = 0.0
    for (x, y) in zip(a, b) {
        d += Double(x - y) * Double(x - y)
        n += Double(y) * Double(y)
    }
    return d.squareRoot() / max(n.squareRoot(), 1e-12)
}

/// Fills every input of `run` and every output gradient with uniform values in [-1, 1).
func randomize(_ run: StandaloneKernel, seed: UInt64) {
    var rng = TestRandom(seed: seed)
    for s in run.inputs + run.outputGrads where s.tensor.dtype == .float32 {
        for j in 0..<s.tensor.count { s.tensor.f[j] = rng.uniform(-1, 1) }
    }
}

@Suite struct Conv2DTests {
    static let cases: [ConvCase] = [
        ConvCase(n: 2, cin: 3, h: 7, w: 5, cout: 4, kh: 3, kw: 3, padding: [1, 1]),
        ConvCase(n: 2, cin: 4, h: 9, w: 9, cout: 6, kh: 3, kw: 3, stride: [2, 2], padding: [1, 1], bias: false),
        ConvCase(n: 1, cin: 4, h: 6, w: 7, cout: 6, kh: 3, kw: 3, padding: [1, 1], groups: 2),
        ConvCase(n: 2, cin: 6, h: 7, w: 7, cout: 6, kh: 3, kw: 3, padding: [1, 1], groups: 6),
        ConvCase(n: 2, cin: 4, h: 9, w: 8, cout: 4, kh: 5, kw: 5, stride: [2, 2], padding: [2, 2], groups: 4),
        ConvCase(n: 2, cin: 5, h: 6, w: 6, cout: 3, kh: 1, kw: 1),
        ConvCase(n: 2, cin: 4, h: 8, w: 7, cout: 8, kh: 1, kw: 1, stride: [2, 2], bias: false),
        ConvCase(n: 2, cin: 3, h: 9, w: 8, cout: 4, kh: 3, kw: 1, stride: [2, 1], padding: [1, 0]),
        ConvCase(n: 1, cin: 2, h: 5, w: 9, cout: 3, kh: 2, kw: 4, stride: [1, 3], padding: [0, 2]),
        ConvCase(n: 2, cin: 3, h: 9, w: 9, cout: 2, kh: 3, kw: 3, padding: [2, 2], dilation: [2, 2]),
        ConvCase(n: 1, cin: 3, h: 16, w: 16, cout: 5, kh: 4, kw: 4, stride: [4, 4]),
        ConvCase(n: 1, cin: 2, h: 3, w: 4, cout: 2, kh: 2, kw: 2, padding: [3, 2]),
        // Stride 1: dx as a convolution of dy, with one sample per product (a 17x16 map),
        // two (14x18) and three (6x3); Conv2DThreadTests covers two chunks.
        ConvCase(n: 2, cin: 3, h: 17, w: 16, cout: 4, kh: 3, kw: 3, padding: [1, 1], bias: false),
        ConvCase(n: 2, cin: 4, h: 16, w: 18, cout: 2, kh: 3, kw: 5, padding: [0, 2], groups: 2),
        ConvCase(n: 3, cin: 2, h: 6, w: 5, cout: 3, kh: 2, kw: 3, padding: [1, 0], dilation: [2, 1]),
    ]

    static let depthwiseCases: [ConvCase] = [
        ConvCase(n: 2, cin: 5, h: 8, w: 7, cout: 5, kh: 7, kw: 7, padding: [3, 3], groups: 5),
        ConvCase(n: 2, cin: 3, h: 9, w: 8, cout: 3, kh: 3, kw: 3, stride: [2, 2], padding: [1, 1], groups: 3, bias: false),
        ConvCase(n: 1, cin: 4, h: 7, w: 9, cout: 4, kh: 3, kw: 5, stride: [1, 2], padding: [2, 1], dilation: [2, 1], groups: 4),
        ConvCase(n: 3, cin: 2, h: 5, w: 5, cout: 2, kh: 1, kw: 1, groups: 2),
    ]

    @Test(arguments: cases + depthwiseCases)
    func forwardMatchesDefinition(_ c: ConvCase) throws {
        let k = try KernelRegistry.make(Conv2D.self, params: c.params, inputs: c.inputs)
        #expect(k.outputs == [TensorSpec([c.n, c.cout, c.outH, c.outW])])
        let run = StandaloneKernel(k, inputs: c.inputs)
        randomize(run, seed: 3)
        run.forward()
        let expected = c.reference(
            x: run.inputs[0].tensor.toArray(), weight: run.inputs[1].tensor.toArray(),
            bias: c.bias ? run.inputs[2].tensor.toArray() : nil)
        #expect(relativeError(run.outputs[0].tensor.toArray(), expected) < 1e-6, "\(c)")
    }

    /// Convolution is linear in each input, so central differences are exact up to float
    /// rounding: step 1e-2 and a 1e-3 tolerance.
    @Test(arguments: cases + depthwiseCases)
    func gradientMatchesFiniteDifferences(_ c: ConvCase) throws {
        let k = try KernelRegistry.make(Conv2D.self, params: c.params, inputs: c.inputs)
        GradientCheck(step: 1e-2, tolerance: 1e-3, samplesPerInput: 64).check(k, inputs: c.inputs)
    }

    @Test(arguments: depthwiseCases)
    func depthwiseDirectMatchesIm2col(_ c: ConvCase) throws {
        let direct = try Conv2D(params: c.decoded, inputs: c.inputs, method: .depthwiseDirect)
        let im2col = try Conv2D(params: c.decoded, inputs: c.inputs, method: .im2col)
        #expect(try Conv2D(params: c.decoded, inputs: c.inputs).method == .depthwiseDirect)
        let a = StandaloneKernel(direct, inputs: c.inputs), b = StandaloneKernel(im2col, inputs: c.inputs)
        for run in [a, b] {
            randomize(run, seed: 5)
            run.forward()
            run.backward()
        }
        for (x, y) in zip(a.outputs + a.inputGrads.compactMap { $0 }, b.outputs + b.inputGrads.compactMap { $0 }) {
            #expect(relativeError(x.tensor.toArray(), y.tensor.toArray()) < 1e-6, "\(c)")
        }
    }

    /// Stride-1 3x3 convolutions Winograd F(2x2, 3x3) takes: odd and even maps (partial
    /// edge tiles), padding 0, 1 and 2 and unequal per axis, batch 1, partial and whole
    /// groups of eight tiles, fewer and at least `winogradChannels` channels, blocks of
    /// one and of several samples.
    static let winogradCases: [ConvCase] = [
        ConvCase(n: 2, cin: 3, h: 7, w: 5, cout: 4, kh: 3, kw: 3, padding: [1, 1]),
        ConvCase(n: 1, cin: 8, h: 8, w: 8, cout: 8, kh: 3, kw: 3, padding: [1, 1]),
        ConvCase(n: 3, cin: 9, h: 5, w: 6, cout: 10, kh: 3, kw: 3, padding: [0, 0], bias: false),
        ConvCase(n: 2, cin: 8, h: 6, w: 7, cout: 12, kh: 3, kw: 3, padding: [2, 2]),
        ConvCase(n: 2, cin: 10, h: 9, w: 4, cout: 8, kh: 3, kw: 3, padding: [0, 2]),
        ConvCase(n: 1, cin: 16, h: 17, w: 16, cout: 16, kh: 3, kw: 3, padding: [1, 1]),
        ConvCase(n: 5, cin: 12, h: 3, w: 3, cout: 9, kh: 3, kw: 3, padding: [1, 1]),
        ConvCase(n: 2, cin: 32, h: 5, w: 6, cout: 32, kh: 3, kw: 3, padding: [1, 1]),
    ]

    @Test(arguments: winogradCases)
    func winogradMatchesIm2col(_ c: ConvCase) throws {
        let winograd = try Conv2D(params: c.decoded, inputs: c.inputs, method: .winograd)
        let im2col = try Conv2D(params: c.decoded, inputs: c.inputs, method: .im2col)
        let wide = c.cin >= Conv2D.winogradChannels && c.cout >= Conv2D.winogradChannels
        #expect(try Conv2D(params: c.decoded, inputs: c.inputs).method == (wide ? .winograd : .im2col))
        let a = StandaloneKernel(winograd, inputs: c.inputs), b = StandaloneKernel(im2col, inputs: c.inputs)
        for run in [a, b] {
            randomize(run, seed: 7)
            run.forward()
            run.backward()
        }
        let names = ["y", "dx", "dweight", "dbias"]
        for (i, (x, y)) in zip(a.outputs + a.inputGrads.compactMap { $0 }, b.outputs + b.inputGrads.compactMap { $0 }).enumerated() {
            #expect(relativeError(x.tensor.toArray(), y.tensor.toArray()) < 1e-6, "\(c) \(names[i])")
        }
    }

    @Test(arguments: winogradCases)
    func winogradGradientMatchesFiniteDifferences(_ c: ConvCase) throws {
        let k = try Conv2D(params: c.decoded, inputs: c.inputs, method: .winograd)
        GradientCheck(step: 1e-2, tolerance: 1e-3, samplesPerInput: 64).check(k, inputs: c.inputs)
    }

    @Test func winogradRefusesWhatItCannotCompute() throws {
        for c in [
            ConvCase(n: 1, cin: 8, h: 8, w: 8, cout: 8, kh: 3, kw: 3, stride: [2, 2], padding: [1, 1]),
            ConvCase(n: 1, cin: 8, h: 8, w: 8, cout: 8, kh: 3, kw: 3, padding: [1, 1], groups: 2),
            ConvCase(n: 1, cin: 8, h: 8, w: 8, cout: 8, kh: 3, kw: 3, padding: [2, 2], dilation: [2, 2]),
            ConvCase(n: 1, cin: 8, h: 8, w: 8, cout: 8, kh: 3, kw: 3, padding: [3, 3]),
            ConvCase(n: 1, cin: 8, h: 8, w: 8, cout: 8, kh: 5, kw: 5, padding: [2, 2]),
        ] {
            #expect(throws: KernelError.self, "\(c)") { try Conv2D(params: c.decoded, inputs: c.inputs, method: .winograd) }
            #expect(try Conv2D(params: c.decoded, inputs: c.inputs).method != .winograd, "\(c)")
        }
    }

    @Test func paramsAcceptIntegersAndPairs() throws {
        let p = try ParamDecoder.decode(Conv2D.Params.self, from: .object([("stride", .int(2)), ("padding", .array([.int(1), .int(0)]))]))
        #expect(p.stride == SpatialPair(2, 2) && p.padding == SpatialPair(1, 0))
        #expect(p.dilation == SpatialPair(1) && p.groups == 1)
        #expect(throws: ParamErrors.self) {
            try ParamDecoder.decode(Conv2D.Params.self, from: .object([("stride", .array([.int(1), .int(2), .int(3)]))]))
        }
        #expect(throws: ParamErrors.self) {
            try ParamDecoder.decode(Conv2D.Params.self, from: .object([("strides", .int(2))]))
        }
    }

    /// The KernelError from building conv2d, if any.
    private func setupError(_ params: ParamValue, _ inputs: [TensorSpec]) -> KernelError? {
        do {
            _ = try KernelRegistry.make(Conv2D.self, params: params, inputs: inputs)
            return nil
        } catch {
            if case let .kernel(e) = error { return e }
            return nil
        }
    }

    @Test func wrongChannelCountNamesWeight() throws {
        let e = try #require(setupError(.empty, [TensorSpec([2, 3, 8, 8]), TensorSpec([4, 2, 3, 3])]))
        #expect(e.input == 1)
        #expect(e.message.contains("weight") && e.message.contains("has 3"))
    }

    @Test func groupsNotDividingInputChannelsNamesX() throws {
        let e = try #require(setupError(.object([("groups", .int(4))]), [TensorSpec([2, 6, 8, 8]), TensorSpec([8, 1, 3, 3])]))
        #expect(e.input == 0)
        #expect(e.message.contains("input x has 6 channels"))
    }

    @Test func groupsNotDividingOutputChannelsNamesWeight() throws {
        let e = try #require(setupError(.object([("groups", .int(2))]), [TensorSpec([2, 4, 8, 8]), TensorSpec([5, 2, 3, 3])]))
        #expect(e.input == 1)
        #expect(e.message.contains("weight has 5 output channels"))
    }

    @Test func otherShapeErrorsNameTheirInput() {
        #expect(setupError(.empty, [TensorSpec([4, 8, 8]), TensorSpec([4, 4, 3, 3])])?.input == 0)
        #expect(setupError(.empty, [TensorSpec([1, 4, 8, 8]), TensorSpec([4, 4, 3])])?.input == 1)
        #expect(setupError(.empty, [TensorSpec([1, 4, 8, 8]), TensorSpec([4, 4, 3, 3]), TensorSpec([3])])?.input == 2)
        #expect(setupError(.empty, [TensorSpec([1, 4, 2, 2]), TensorSpec([4, 4, 3, 3])])?.input == 0)
        #expect(setupError(.object([("stride", .int(0))]), [TensorSpec([1, 4, 8, 8]), TensorSpec([4, 4, 3, 3])]) != nil)
        #expect(throws: KernelError.self) {
            try Conv2D(params: Conv2D.Params(), inputs: [TensorSpec([1, 4, 8, 8]), TensorSpec([4, 4, 3, 3])], method: .depthwiseDirect)
        }
    }
}

/// Conv2D built for two threads against one and against finite differences.
@Suite struct Conv2DThreadTests {
    /// Forward, backward (dx, dweight, dbias) with `threads` chunks.
    private func run(_ c: ConvCase, method: Conv2D.Method, threads: Int) throws -> [[Float]] {
        let k = try Conv2D(params: c.decoded, inputs: c.inputs, method: method, threads: threads)
        let run = StandaloneKernel(k, inputs: c.inputs)
        randomize(run, seed: 11)
        run.forward()
        run.backward()
        return [run.outputs[0].tensor.toArray()] + run.inputGrads.map { $0!.tensor.toArray() }
    }

    /// Two chunks (each with its own column buffer or tile matrices, weight-gradient
    /// partials and the shared flipped weights of the stride-1 input gradient) against
    /// finite differences.
    @Test func twoChunksMatchFiniteDifferences() throws {
        // Both have at least 2^18 multiply-adds, so the batch is split in two.
        for (c, method) in [
            (ConvCase(n: 4, cin: 8, h: 12, w: 12, cout: 8, kh: 3, kw: 3, padding: [1, 1]), Conv2D.Method.im2col),
            (ConvCase(n: 8, cin: 8, h: 9, w: 9, cout: 16, kh: 3, kw: 3, padding: [1, 1], groups: 2), .im2col),
            (ConvCase(n: 4, cin: 8, h: 12, w: 12, cout: 8, kh: 3, kw: 3, padding: [1, 1]), .winograd),
        ] {
            let k = try Conv2D(params: c.decoded, inputs: c.inputs, method: method, threads: 2)
            GradientCheck(step: 1e-2, tolerance: 1e-3, samplesPerInput: 64).check(k, inputs: c.inputs)
        }
    }

    /// Forward and dx are computed per sample, so they are identical for any thread count;
    /// weight and bias gradients sum chunk partials in another order, so they agree to rounding.
    @Test(arguments: [
        (ConvCase(n: 5, cin: 8, h: 16, w: 16, cout: 8, kh: 3, kw: 3, padding: [1, 1]), Conv2D.Method.im2col),
        (ConvCase(n: 3, cin: 16, h: 24, w: 24, cout: 8, kh: 1, kw: 1), Conv2D.Method.im2col),
        (ConvCase(n: 5, cin: 16, h: 16, w: 16, cout: 16, kh: 7, kw: 7, padding: [3, 3], groups: 16), Conv2D.Method.depthwiseDirect),
        (ConvCase(n: 5, cin: 16, h: 16, w: 16, cout: 16, kh: 3, kw: 3, padding: [1, 1]), Conv2D.Method.winograd),
        (ConvCase(n: 40, cin: 8, h: 4, w: 4, cout: 8, kh: 3, kw: 3, padding: [1, 1]), Conv2D.Method.winograd),
    ])
    func twoThreadsEqualOne(_ c: ConvCase, _ method: Conv2D.Method) throws {
        let one = try run(c, method: method, threads: 1)
        let two = try run(c, method: method, threads: 2)
        #expect(one[0] == two[0], "y")
        #expect(one[1] == two[1], "dx")
        for i in 2..<one.count { #expect(relativeError(two[i], one[i]) < 1e-6, "input \(i)") }
    }
}
