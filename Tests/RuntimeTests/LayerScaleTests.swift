import CanopyRuntime
import Testing

/// layer_scale. y is bilinear in x and gamma, so central differences are exact up to
/// rounding: step 1e-2, tolerance 1e-3.
@Suite struct LayerScaleTests {
    static func make(axis: Int?, _ x: Shape, _ gamma: Int) throws -> any Kernel {
        try BuiltInKernels.registry().make(
            "layer_scale", params: .object(axis.map { [("axis", .int($0))] } ?? []),
            inputs: [TensorSpec(x), TensorSpec([gamma])])
    }

    @Test(arguments: [
        (Optional(-1), [3, 7] as [Int]), (nil, [2, 3, 4, 5]), (1, [2, 5, 3]), (0, [4, 3]), (-1, [2, 5, 3, 9]),
        (2, [3, 2, 5, 1]),
    ])
    func gradientMatchesFiniteDifferences(axis: Int?, shape: [Int]) throws {
        let resolved = axis.map { $0 < 0 ? $0 + shape.count : $0 } ?? 1
        let specs = [TensorSpec(Shape(shape)), TensorSpec([shape[resolved]])]
        let kernel = try Self.make(axis: axis, Shape(shape), shape[resolved])
        GradientCheck(tolerance: 1e-3).check(kernel, inputs: specs)
        GradientCheck(tolerance: 1e-3).check(kernel, inputs: specs, gradientInputs: [1])
    }

    @Test func scalesEachChannel() throws {
        let run = StandaloneKernel(try Self.make(axis: 1, [2, 3, 2], 3), inputs: [TensorSpec([2, 3, 2]), TensorSpec([3])])
        _ = run.inputs[0].tensor.floats.update(from: (1...12).map(Float.init))
        _ = run.inputs[1].tensor.floats.update(from: [1, 0.5, -2])
        run.forward()
        #expect(run.outputs[0].tensor.toArray() == [1, 2, 1.5, 2, -10, -12, 7, 8, 4.5, 5, -22, -24])
        #expect(run.kernel.macs == 0)
    }

    @Test func gammaMustMatchTheAxis() {
        #expect(setupFailure("layer_scale", .object([("axis", .int(-1))]), inputs: [TensorSpec([2, 3, 4]), TensorSpec([3])])?.blamedInput == 1)
        #expect(setupFailure("layer_scale", inputs: [TensorSpec([2, 3, 4]), TensorSpec([3])]) == nil)
        #expect(setupFailure("layer_scale", .object([("axis", .int(3))]), inputs: [TensorSpec([2, 3, 4]), TensorSpec([3])]) != nil)
    }
}
