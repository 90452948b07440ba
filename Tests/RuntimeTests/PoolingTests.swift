import CanopyRuntime
import Testing

/// Fills inputs with distinct values 0.01 apart in random order, so a finite-difference
/// step of 1e-3 never changes which element of a window is the maximum.
private func distinctFill(_ i: Int, _ t: Tensor, _ rng: inout TestRandom) {
    var values = (0..<t.count).map { Float($0) * 0.01 - Float(t.count) * 0.005 }
    for j in stride(from: values.count - 1, to: 0, by: -1) { values.swapAt(j, rng.index(j + 1)) }
    _ = t.floats.update(from: values)
}

private func pool(_ kernel: Int, _ stride: Int? = nil, _ padding: Int? = nil) -> ParamValue {
    .object([("kernel", .int(kernel))] + (stride.map { [("stride", .int($0))] } ?? []) + (padding.map { [("padding", .int($0))] } ?? []))
}

@Suite struct PoolingTests {
    static let shapes: [(Shape, ParamValue)] = [
        ([2, 3, 8, 8], pool(3, 2, 1)),
        ([1, 2, 7, 9], pool(2)),
        ([2, 2, 5, 6], pool(3, 1, 1)),
        (
            [1, 3, 9, 7],
            .object([
                ("kernel", .array([.int(3), .int(2)])), ("stride", .array([.int(2), .int(1)])),
                ("padding", .array([.int(1), .int(0)])),
            ])
        ),
    ]

    /// Max pooling is piecewise linear; with inputs 0.01 apart and step 1e-3 the central
    /// difference is exact up to rounding (tolerance 1e-3).
    @Test(arguments: shapes)
    func maxPoolGradient(_ shape: Shape, _ params: ParamValue) throws {
        let x = TensorSpec(shape)
        let k = try KernelRegistry.make(MaxPool2D.self, params: params, inputs: [x])
        GradientCheck(step: 1e-3, tolerance: 1e-3, samplesPerInput: 64).check(k, inputs: [x], fill: distinctFill)
    }

    /// Average pooling is linear: step 1e-2, tolerance 1e-3.
    @Test(arguments: shapes)
    func avgPoolGradient(_ shape: Shape, _ params: ParamValue) throws {
        let x = TensorSpec(shape)
        let k = try KernelRegistry.make(AvgPool2D.self, params: params, inputs: [x])
        GradientCheck(step: 1e-2, tolerance: 1e-3, samplesPerInput: 64).check(k, inputs: [x])
    }

    @Test(arguments: [Shape([2, 3, 5, 7]), Shape([1, 4, 1, 1]), Shape([3, 2, 4, 4])])
    func globalAvgPoolGradient(_ shape: Shape) throws {
        let x = TensorSpec(shape)
        let k = try KernelRegistry.make(GlobalAvgPool.self, params: .empty, inputs: [x])
        #expect(k.outputs == [TensorSpec([shape[0], shape[1]])])
        GradientCheck(step: 1e-2, tolerance: 1e-3).check(k, inputs: [x])
    }

    @Test func maxPoolForwardIgnoresPaddingAndRoutesTiesToFirst() throws {
        let x = TensorSpec([1, 1, 4, 4])
        let k = try KernelRegistry.make(MaxPool2D.self, params: pool(3, 2, 1), inputs: [x])
        #expect(k.outputs == [TensorSpec([1, 1, 2, 2])])
        let run = StandaloneKernel(k, inputs: [x])
        _ = run.inputs[0].tensor.floats.update(from: (0..<16).map { -Float($0) - 1 })
        run.forward()
        #expect(run.outputs[0].tensor.toArray() == [-1, -2, -5, -6])

        run.inputs[0].tensor.floats.update(repeating: 2)
        run.outputGrads[0].tensor.floats.update(repeating: 1)
        run.forward()
        run.backward()
        var expected = [Float](repeating: 0, count: 16)
        for i in [0, 1, 4, 5] { expected[i] = 1 }
        #expect(run.outputs[0].tensor.toArray() == [2, 2, 2, 2])
        #expect(run.inputGrads[0]!.tensor.toArray() == expected)
    }

    @Test func avgPoolCountsPaddedZeros() throws {
        let x = TensorSpec([1, 1, 3, 3])
        let k = try KernelRegistry.make(AvgPool2D.self, params: pool(3, 2, 1), inputs: [x])
        let run = StandaloneKernel(k, inputs: [x])
        run.inputs[0].tensor.floats.update(repeating: 9)
        run.forward()
        #expect(run.outputs[0].tensor.toArray() == [4, 4, 4, 4])
    }

    @Test func strideDefaultsToKernel() throws {
        let p = try ParamDecoder.decode(Pool2DParams.self, from: .object([("kernel", .array([.int(2), .int(3)]))]))
        #expect(p.stride == SpatialPair(2, 3) && p.padding == SpatialPair(0))
        let k = try KernelRegistry.make(AvgPool2D.self, params: pool(2), inputs: [TensorSpec([2, 3, 8, 7])])
        #expect(k.outputs == [TensorSpec([2, 3, 4, 3])])
    }

    @Test func invalidConfigurationsAreRejected() {
        #expect(throws: KernelSetupError.self) { try KernelRegistry.make(MaxPool2D.self, params: .empty, inputs: [TensorSpec([1, 1, 4, 4])]) }
        #expect(throws: KernelSetupError.self) { try KernelRegistry.make(MaxPool2D.self, params: pool(2, 2, 2), inputs: [TensorSpec([1, 1, 4, 4])]) }
        #expect(throws: KernelSetupError.self) { try KernelRegistry.make(AvgPool2D.self, params: pool(2), inputs: [TensorSpec([1, 4, 4])]) }
        #expect(throws: KernelSetupError.self) { try KernelRegistry.make(AvgPool2D.self, params: pool(5), inputs: [TensorSpec([1, 1, 4, 4])]) }
        #expect(throws: KernelSetupError.self) { try KernelRegistry.make(GlobalAvgPool.self, params: .empty, inputs: [TensorSpec([2, 3])]) }
    }
}
