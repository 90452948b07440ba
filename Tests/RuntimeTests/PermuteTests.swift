import CanopyRuntime
import Testing

/// permute. A copy is linear: gradient checks use step 1e-2 and tolerance 1e-3.
@Suite struct PermuteTests {
    static func make(_ axes: [Int], _ shape: Shape) throws -> any Kernel {
        try BuiltInKernels.registry().make(
            "permute", params: .object([("axes", .array(axes.map { .int($0) }))]),
            inputs: [TensorSpec(shape)])
    }

    /// y by index arithmetic: y[i_0, ..., i_r-1] = x at index i_k along dimension axes[k].
    static func reference(_ x: [Float], _ shape: [Int], _ axes: [Int]) -> [Float] {
        let rank = shape.count
        var strides = [Int](repeating: 1, count: rank)
        for d in stride(from: rank - 2, through: 0, by: -1) { strides[d] = strides[d + 1] * shape[d + 1] }
        let outShape = axes.map { shape[$0] }
        var y = [Float](repeating: 0, count: x.count)
        for flat in 0..<x.count {
            var rest = flat, source = 0
            for k in stride(from: rank - 1, through: 0, by: -1) {
                source += (rest % outShape[k]) * strides[axes[k]]
                rest /= outShape[k]
            }
            y[flat] = x[source]
        }
        return y
    }

    static let cases: [([Int], [Int])] = [
        ([2, 3, 5, 7], [0, 2, 3, 1]), ([2, 3, 5, 7], [0, 3, 1, 2]), ([3, 4, 5], [2, 0, 1]), ([1, 5, 1, 3], [3, 2, 1, 0]),
        ([2, 37, 19, 3], [0, 2, 3, 1]), ([3, 40, 33], [0, 2, 1]), ([4, 6], [1, 0]), ([2, 3, 4, 5], [1, 0, 3, 2]),
        ([5, 1, 7], [0, 1, 2]), ([2, 17, 3, 18], [3, 1, 0, 2]), ([6], [0]), ([1, 1], [1, 0]),
    ]

    @Test(arguments: cases)
    func forwardMatchesIndexArithmetic(_ shape: [Int], _ axes: [Int]) throws {
        var rng = TestRandom(seed: UInt64(shape.reduce(0, +)))
        let x = (0..<shape.reduce(1, *)).map { _ in rng.uniform(-1, 1) }
        let run = StandaloneKernel(try Self.make(axes, Shape(shape)), inputs: [TensorSpec(Shape(shape))])
        _ = run.inputs[0].tensor.floats.update(from: x)
        run.forward()
        #expect(run.outputs[0].tensor.shape.dims == axes.map { shape[$0] })
        #expect(run.outputs[0].tensor.toArray() == Self.reference(x, shape, axes))
    }

    @Test(arguments: cases)
    func gradientMatchesFiniteDifferences(_ shape: [Int], _ axes: [Int]) throws {
        GradientCheck(tolerance: 1e-3).check(try Self.make(axes, Shape(shape)), inputs: [TensorSpec(Shape(shape))])
    }

    @Test func negativeAxesAndRoundTrip() throws {
        let shape: Shape = [2, 3, 4, 5]
        let there = StandaloneKernel(try Self.make([0, -2, -1, 1], shape), inputs: [TensorSpec(shape)])
        var rng = TestRandom(seed: 3)
        for i in 0..<shape.count { there.inputs[0].tensor.f[i] = rng.uniform(-1, 1) }
        there.forward()
        let back = StandaloneKernel(try Self.make([0, 3, 1, 2], [2, 4, 5, 3]), inputs: [TensorSpec([2, 4, 5, 3])])
        _ = back.inputs[0].tensor.floats.update(from: there.outputs[0].tensor.toArray())
        back.forward()
        #expect(back.outputs[0].tensor.toArray() == there.inputs[0].tensor.toArray())
    }

    @Test func badAxesAreRejected() {
        func fails(_ axes: [Int]) -> Bool {
            setupFailure("permute", .object([("axes", .array(axes.map { .int($0) }))]), inputs: [TensorSpec([2, 3, 4])]) != nil
        }
        #expect(fails([0, 1]))
        #expect(fails([0, 1, 1]))
        #expect(fails([0, 1, 3]))
        #expect(fails([0, -1, 2]))
        #expect(!fails([0, -1, 1]))
        #expect(setupFailure("permute", .empty, inputs: [TensorSpec([2, 3])]) != nil)
    }
}

/// Thread counts: the copy kernels split disjoint blocks, so two threads give the
/// same bits as one.
@Suite struct ShapeKernelThreadTests {
    @Test func twoThreadsEqualOne() throws {
        let kernels: [(String, ParamValue, TensorSpec)] = [
            ("permute", .object([("axes", .array([.int(0), .int(2), .int(3), .int(1)]))]), TensorSpec([8, 48, 16, 16])),
            ("layer_scale", .object([("axis", .int(-1))]), TensorSpec([8, 16, 16, 48])),
            (
                "window_partition",
                .object([
                    ("window", .array([.int(16), .int(2)])), ("heads", .int(3)), ("start", .int(48)),
                    ("channels", .int(48)),
                ]), TensorSpec([8, 16, 16, 144])
            ),
        ]
        for (name, params, x) in kernels {
            func run(threads: Int) throws -> [[Float]] {
                var specs = [x]
                if name == "layer_scale" { specs.append(TensorSpec([x.shape[-1]])) }
                let run = StandaloneKernel(try BuiltInKernels.registry().make(name, params: params, inputs: specs, threads: threads), inputs: specs)
                var rng = TestRandom(seed: 5)
                for s in run.inputs { for i in 0..<s.tensor.count { s.tensor.f[i] = rng.uniform(-1, 1) } }
                for g in run.outputGrads { for i in 0..<g.tensor.count { g.tensor.f[i] = rng.uniform(-1, 1) } }
                run.forward()
                run.backward()
                return [run.outputs[0].tensor.toArray()] + run.inputGrads.map { $0!.tensor.toArray() }
            }
            let one = try run(threads: 1), two = try run(threads: 2)
            #expect(one[0] == two[0] && one[1] == two[1], "\(name)")
            if name == "layer_scale" { #expect(relativeError(two[2], one[2]) < 1e-6, "gamma gradient") }
        }
    }
}
