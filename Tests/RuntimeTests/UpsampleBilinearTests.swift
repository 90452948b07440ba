import CanopyRuntime
import Testing

private func upsample(scale: Int? = nil, size: [Int]? = nil, alignCorners: Bool? = nil) -> ParamValue {
    var pairs: [(String, ParamValue)] = []
    if let scale { pairs.append(("scale", .int(scale))) }
    if let size { pairs.append(("size", .array(size.map { .int($0) }))) }
    if let alignCorners { pairs.append(("align_corners", .bool(alignCorners))) }
    return .object(pairs)
}

/// Runs `upsample_bilinear` on one plane `x` [h, w] and returns the output values.
private func resized(_ x: [Float], _ h: Int, _ w: Int, _ params: ParamValue) throws -> [Float] {
    let spec = TensorSpec([1, 1, h, w])
    let run = StandaloneKernel(try BuiltInKernels.registry().make("upsample_bilinear", params: params, inputs: [spec]), inputs: [spec])
    _ = run.inputs[0].tensor.floats.update(from: x)
    run.forward()
    return run.outputs[0].tensor.toArray()
}

private func outer(_ f: [Float], _ g: [Float]) -> [Float] { f.flatMap { a in g.map { a * $0 } } }

@Suite struct UpsampleBilinearTests {
    /// [[1, 2], [3, 5]] is 1 + v + 2u + uv over the unit square. align_corners true, 2 -> 4:
    /// source = dst * 1/3, so u and v take 0, 1/3, 2/3, 1 and the corners are the input's.
    @Test func twoByTwoToFourByFourAlignCorners() throws {
        let y = try resized([1, 2, 3, 5], 2, 2, .empty)
        expectApprox(
            y,
            [
                1, 4.0 / 3, 5.0 / 3, 2,
                5.0 / 3, 19.0 / 9, 23.0 / 9, 3,
                7.0 / 3, 26.0 / 9, 31.0 / 9, 4,
                3, 11.0 / 3, 13.0 / 3, 5,
            ], tolerance: 1e-6)
    }

    /// align_corners false, scale 2: source = (dst + 0.5) / 2 - 0.5 = -0.25 (clamped to 0),
    /// 0.25, 0.75, 1.25 (past the last sample: the last sample itself), so u, v take
    /// 0, 0.25, 0.75, 1.
    @Test func twoByTwoToFourByFourHalfPixel() throws {
        let y = try resized([1, 2, 3, 5], 2, 2, upsample(scale: 2, alignCorners: false))
        expectApprox(
            y,
            [
                1, 1.25, 1.75, 2,
                1.5, 1.8125, 2.4375, 2.75,
                2.5, 2.9375, 3.8125, 4.25,
                3, 3.5, 4.5, 5,
            ], tolerance: 1e-6)
    }

    /// A separable input x[r][c] = f(r) g(c), f = [1, 4, 2], g = [1, 3, 0, 2, 5], resized
    /// 3x5 -> [4, 7] gives F(i) G(j), the 1-D interpolations of f and g.
    /// align_corners true: rows at 0, 2/3, 4/3, 2 -> F = [1, 3, 10/3, 2]; columns at
    /// 0, 2/3, 4/3, 2, 8/3, 10/3, 4 -> G = [1, 7/3, 2, 0, 4/3, 3, 5].
    /// align_corners false: rows at 0 (clamped), 0.625, 1.375, 2.125 (last) ->
    /// F = [1, 2.875, 3.25, 2]; columns at 0 (clamped), 4/7, 9/7, 2, 19/7, 24/7, 29/7 (last) ->
    /// G = [1, 15/7, 15/7, 0, 10/7, 23/7, 5].
    @Test func nonSquareOddSize() throws {
        let x = outer([1, 4, 2], [1, 3, 0, 2, 5])
        expectApprox(
            try resized(x, 3, 5, upsample(size: [4, 7])),
            outer([1, 3, 10.0 / 3, 2], [1, 7.0 / 3, 2, 0, 4.0 / 3, 3, 5]), tolerance: 1e-6)
        expectApprox(
            try resized(x, 3, 5, upsample(size: [4, 7], alignCorners: false)),
            outer([1, 2.875, 3.25, 2], [1, 15.0 / 7, 15.0 / 7, 0, 10.0 / 7, 23.0 / 7, 5]), tolerance: 1e-6)
    }

    /// Output size 1: align_corners true samples source 0; false samples the centre
    /// (source in / 2 - 0.5), for a 2x2 input the mean of all four.
    @Test func sizeOne() throws {
        #expect(try resized([1, 2, 3, 5], 2, 2, upsample(size: [1, 1])) == [1])
        expectApprox(try resized([1, 2, 3, 5], 2, 2, upsample(size: [1, 1], alignCorners: false)), [2.75])
        // The same size copies.
        let x: [Float] = [1, 7, -2, 4, 0.5, 3]
        #expect(try resized(x, 2, 3, upsample(size: [2, 3])) == x)
        #expect(try resized(x, 2, 3, upsample(scale: 1, alignCorners: false)) == x)
    }

    /// Backward is the adjoint of forward: <forward(x), dy> = <x, backward(dy)>, and it adds.
    @Test func backwardIsTheAdjointAndAdds() throws {
        let spec = TensorSpec([2, 3, 3, 5])
        for align in [true, false] {
            let k = try BuiltInKernels.registry().make("upsample_bilinear", params: upsample(size: [4, 7], alignCorners: align), inputs: [spec])
            let run = StandaloneKernel(k, inputs: [spec])
            var rng = TestRandom(seed: 5)
            for j in 0..<spec.shape.count { run.inputs[0].tensor.f[j] = rng.uniform(-1, 1) }
            for j in 0..<run.outputGrads[0].tensor.count { run.outputGrads[0].tensor.f[j] = rng.uniform(-1, 1) }
            run.inputGrads[0]!.tensor.floats.update(repeating: 2)
            run.forward()
            run.backward()
            let y = run.outputs[0].tensor.toArray(), dy = run.outputGrads[0].tensor.toArray()
            let x = run.inputs[0].tensor.toArray(), dx = run.inputGrads[0]!.tensor.toArray().map { $0 - 2 }
            let lhs = zip(y, dy).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let rhs = zip(x, dx).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            #expect(abs(lhs - rhs) <= 1e-5 * max(abs(lhs), 1), "align_corners \(align): \(lhs) vs \(rhs)")
        }
    }

    /// Linear in x: step 1e-2, tolerance 1e-3, both modes, up and down.
    @Test(arguments: [
        (Shape([2, 3, 3, 5]), [4, 7]), (Shape([1, 2, 4, 4]), [8, 8]), (Shape([1, 2, 5, 6]), [3, 2]),
        (Shape([2, 1, 1, 3]), [2, 5]),
    ])
    func gradientMatchesFiniteDifferences(_ shape: Shape, _ size: [Int]) throws {
        let spec = TensorSpec(shape)
        for align in [true, false] {
            let k = try BuiltInKernels.registry().make("upsample_bilinear", params: upsample(size: size, alignCorners: align), inputs: [spec])
            GradientCheck(tolerance: 1e-3, samplesPerInput: 64).check(k, inputs: [spec])
        }
    }

    /// Above the split threshold, two threads (each with its own accumulator) give the
    /// one-thread values and gradients bit for bit: planes are independent.
    @Test func twoThreadsEqualOne() throws {
        let spec = TensorSpec([4, 8, 16, 16])
        func run(threads: Int) throws -> [[Float]] {
            let k = try BuiltInKernels.registry().make("upsample_bilinear", params: upsample(alignCorners: false), inputs: [spec], threads: threads)
            let run = StandaloneKernel(k, inputs: [spec])
            var rng = TestRandom(seed: 8)
            for j in 0..<spec.shape.count { run.inputs[0].tensor.f[j] = rng.uniform(-1, 1) }
            for j in 0..<run.outputGrads[0].tensor.count { run.outputGrads[0].tensor.f[j] = rng.uniform(-1, 1) }
            run.forward()
            run.backward()
            return [run.outputs[0].tensor.toArray(), run.inputGrads[0]!.tensor.toArray()]
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        #expect(one[0] == two[0] && one[1] == two[1])
    }

    @Test func outputShapesAndSetupErrors() throws {
        let make = { (p: ParamValue, s: TensorSpec) in try BuiltInKernels.registry().make("upsample_bilinear", params: p, inputs: [s]) }
        #expect(try make(.empty, TensorSpec([2, 3, 4, 5])).outputs == [TensorSpec([2, 3, 8, 10])])
        #expect(try make(upsample(scale: 3), TensorSpec([1, 2, 3, 4])).outputs == [TensorSpec([1, 2, 9, 12])])
        #expect(try make(upsample(size: [5, 2]), TensorSpec([1, 2, 3, 4])).outputs == [TensorSpec([1, 2, 5, 2])])
        #expect(setupFailure("upsample_bilinear", inputs: [TensorSpec([2, 3, 4])])?.blamedInput == 0)
        #expect(setupFailure("upsample_bilinear", inputs: [TensorSpec([1, 1, 2, 2], .int32)])?.blamedInput == 0)
        #expect(setupFailure("upsample_bilinear", upsample(scale: 2, size: [4, 4]), inputs: [TensorSpec([1, 1, 2, 2])]) != nil)
        #expect(setupFailure("upsample_bilinear", upsample(size: [4, 4, 4]), inputs: [TensorSpec([1, 1, 2, 2])]) != nil)
        #expect(setupFailure("upsample_bilinear", upsample(scale: 0), inputs: [TensorSpec([1, 1, 2, 2])]) != nil)
        #expect(setupFailure("upsample_bilinear", upsample(size: [0, 4]), inputs: [TensorSpec([1, 1, 2, 2])]) != nil)
        #expect(setupFailure("upsample_bilinear", .object([("mode", .string("nearest"))]), inputs: [TensorSpec([1, 1, 2, 2])]) != nil)
    }
}
