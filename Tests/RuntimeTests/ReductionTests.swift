import CanopyRuntime
import Testing

@Suite struct ReductionTests {
    static func params(axes: [Int]?, keepdims: Bool = false) -> ParamValue {
        var pairs: [(key: String, value: ParamValue)] = [("keepdims", .bool(keepdims))]
        if let axes { pairs.append(("axes", .array(axes.map { .int($0) }))) }
        return .object(pairs)
    }

    static func make(_ name: String, _ params: ParamValue, _ x: Shape) throws -> any Kernel {
        try BuiltInKernels.registry().make(name, params: params, inputs: [TensorSpec(x)])
    }

    // Linear: step 1e-2, tolerance 1e-3.
    @Test(arguments: ["sum", "mean"])
    func gradient(name: String) throws {
        let x: Shape = [3, 5, 7, 2]
        for axes in [nil, [1], [0, 2], [-1, 1], [0, 1, 2, 3]] as [[Int]?] {
            GradientCheck(tolerance: 1e-3).check(try Self.make(name, Self.params(axes: axes), x), inputs: [TensorSpec(x)])
        }
    }

    @Test func outputShapes() throws {
        let x: Shape = [3, 5, 7]
        #expect(try Self.make("sum", .empty, x).outputs == [TensorSpec([1])])
        #expect(try Self.make("mean", Self.params(axes: nil, keepdims: true), x).outputs == [TensorSpec([1, 1, 1])])
        #expect(try Self.make("sum", Self.params(axes: [1]), x).outputs == [TensorSpec([3, 7])])
        #expect(try Self.make("sum", Self.params(axes: [-1, 0], keepdims: true), x).outputs == [TensorSpec([1, 5, 1])])
    }

    /// Every axis subset of a [3, 1, 4, 5] tensor against a direct sum.
    @Test func valuesMatchDirectSums() throws {
        let dims = [3, 1, 4, 5], n = dims.reduce(1, *)
        var rng = TestRandom(seed: 2)
        let x = (0..<n).map { _ in rng.uniform(-1, 1) }
        for mask in 1..<16 {
            let axes = (0..<4).filter { mask & (1 << $0) != 0 }
            for name in ["sum", "mean"] {
                let k = try Self.make(name, Self.params(axes: axes, keepdims: true), Shape(dims))
                let run = StandaloneKernel(k, inputs: [TensorSpec(Shape(dims))])
                _ = run.inputs[0].tensor.floats.update(from: x)
                run.forward()
                let outDims = (0..<4).map { axes.contains($0) ? 1 : dims[$0] }
                var expected = [Double](repeating: 0, count: outDims.reduce(1, *))
                for i in 0..<n {
                    var rest = i, o = 0, stride = 1
                    for d in (0..<4).reversed() {
                        let digit = rest % dims[d]
                        rest /= dims[d]
                        if !axes.contains(d) { o += digit * stride }
                        stride *= outDims[d]
                    }
                    expected[o] += Double(x[i])
                }
                let count = Double(n / expected.count)
                expectApprox(run.outputs[0].tensor.toArray(), expected.map { Float(name == "mean" ? $0 / count : $0) })
            }
        }
    }

    @Test func paramErrors() {
        let x = [TensorSpec([2, 3])]
        #expect(setupFailure("sum", Self.params(axes: [2]), inputs: x) != nil)
        #expect(setupFailure("sum", Self.params(axes: [1, -1]), inputs: x) != nil)
        #expect(setupFailure("mean", Self.params(axes: []), inputs: x) != nil)
        #expect(setupFailure("mean", .object([("axis", .int(1))]), inputs: x)?.description == "axis: unknown key 'axis' (did you mean 'axes'?)")
        #expect(setupFailure("sum", inputs: [TensorSpec([2], .int32)])?.blamedInput == 0)
    }
}
