import CanopyRuntime
import Testing

@Suite struct ElementwiseTests {
    static func make(_ name: String, _ params: ParamValue = .empty, _ inputs: [TensorSpec]) throws -> any Kernel {
        try BuiltInKernels.registry().make(name, params: params, inputs: inputs)
    }

    // The kernels are linear or bilinear: step 1e-2, tolerance 1e-3.
    @Test(arguments: ["add", "mul"])
    func binaryGradient(name: String) throws {
        let spec = TensorSpec([3, 5, 7])
        GradientCheck(tolerance: 1e-3).check(try Self.make(name, .empty, [spec, spec]), inputs: [spec, spec])
    }

    @Test func scaleGradient() throws {
        let spec = TensorSpec([7, 3])
        GradientCheck(tolerance: 1e-3).check(try Self.make("scale", .object([("alpha", .double(-2.5))]), [spec]), inputs: [spec])
    }

    @Test func forwardValues() throws {
        let spec = TensorSpec([3])
        for (name, expected) in [("add", [Float]([5, -1, 2.5])), ("mul", [4, -6, 1])] {
            let run = StandaloneKernel(try Self.make(name, .empty, [spec, spec]), inputs: [spec, spec])
            _ = run.inputs[0].tensor.floats.update(from: [1, 2, 0.5])
            _ = run.inputs[1].tensor.floats.update(from: [4, -3, 2])
            run.forward()
            #expect(run.outputs[0].tensor.toArray() == expected, "\(name)")
        }
        let run = StandaloneKernel(try Self.make("scale", .object([("alpha", .int(3))]), [spec]), inputs: [spec])
        _ = run.inputs[0].tensor.floats.update(from: [1, -2, 0.5])
        run.forward()
        #expect(run.outputs[0].tensor.toArray() == [3, -6, 1.5])
    }

    /// The same tensor feeding both inputs of mul (y = x^2) gets both contributions added.
    @Test func fanOutAccumulates() throws {
        let spec = TensorSpec([2])
        let k = try Self.make("mul", .empty, [spec, spec])
        let x = TensorStorage([2], floats: [3, -1]), y = TensorStorage(TensorSpec([2]))
        let dy = TensorStorage([2], floats: [1, 2]), dx = TensorStorage([2], floats: [10, 10])
        let call = KernelCall(inputs: [x.tensor, x.tensor], outputs: [y.tensor], inputGrads: [dx.tensor, dx.tensor], outputGrads: [dy.tensor])
        k.forward(call)
        k.backward(call)
        #expect(y.tensor.toArray() == [9, 1])
        let expected: [Float] = [10 + 2 * 3 * 1, 10 - 2 * 1 * 2]
        #expect(dx.tensor.toArray() == expected)
    }

    @Test func shapeAndParamErrors() {
        #expect(setupFailure("add", inputs: [TensorSpec([2, 3]), TensorSpec([3, 2])])?.blamedInput == 1)
        #expect(setupFailure("mul", inputs: [TensorSpec([2, 3]), TensorSpec([2, 3], .int32)])?.blamedInput == 1)
        #expect(setupFailure("add", inputs: [TensorSpec([2, 3])]) != nil)
        #expect(setupFailure("scale", inputs: [TensorSpec([2])])?.description == "alpha: missing required key 'alpha'")
        #expect(setupFailure("scale", .object([("alpha", .string("x"))]), inputs: [TensorSpec([2])]) != nil)
    }
}
