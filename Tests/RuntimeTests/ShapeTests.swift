import CanopyRuntime
import Testing

@Suite struct ShapeTests {
    static func make(_ name: String, _ params: ParamValue = .empty, _ inputs: [TensorSpec]) throws -> any Kernel {
        try BuiltInKernels.registry().make(name, params: params, inputs: inputs)
    }

    // Copies are linear: step 1e-2, tolerance 1e-3.
    @Test func concatGradient() throws {
        let specs = [TensorSpec([2, 3, 5]), TensorSpec([2, 1, 5]), TensorSpec([2, 4, 5])]
        GradientCheck(tolerance: 1e-3).check(try Self.make("concat", .empty, specs), inputs: specs)
        let last = [TensorSpec([3, 2]), TensorSpec([3, 5])]
        GradientCheck(tolerance: 1e-3).check(try Self.make("concat", .object([("axis", .int(-1))]), last), inputs: last)
    }

    @Test func sliceGradient() throws {
        let spec = TensorSpec([3, 7, 5])
        GradientCheck(tolerance: 1e-3).check(try Self.make("slice", .object([("start", .int(2)), ("length", .int(3))]), [spec]), inputs: [spec])
    }

    @Test func concatThenSliceRoundTrips() throws {
        let a = TensorSpec([2, 2, 1, 2]), b = TensorSpec([2, 1, 1, 2])
        let cat = StandaloneKernel(try Self.make("concat", .empty, [a, b]), inputs: [a, b])
        _ = cat.inputs[0].tensor.floats.update(from: [1, 2, 3, 4, 5, 6, 7, 8])
        _ = cat.inputs[1].tensor.floats.update(from: [-1, -2, -3, -4])
        cat.forward()
        #expect(cat.outputs[0].tensor.shape == [2, 3, 1, 2])
        #expect(cat.outputs[0].tensor.toArray() == [1, 2, 3, 4, -1, -2, 5, 6, 7, 8, -3, -4])
        let c = TensorSpec([2, 3, 1, 2])
        let slice = StandaloneKernel(try Self.make("slice", .object([("start", .int(2)), ("length", .int(1))]), [c]), inputs: [c])
        _ = slice.inputs[0].tensor.floats.update(from: cat.outputs[0].tensor.toArray())
        slice.forward()
        #expect(slice.outputs[0].tensor.shape == [2, 1, 1, 2])
        #expect(slice.outputs[0].tensor.toArray() == [-1, -2, -3, -4])
    }

    @Test func concatTakesUpToSixteenInputs() throws {
        let specs = (0..<16).map { TensorSpec([2, $0 + 1]) }
        let k = try Self.make("concat", .empty, specs)
        #expect(k.outputs == [TensorSpec([2, 136])])
        #expect(setupFailure("concat", inputs: specs + [TensorSpec([2, 1])]) != nil)
        #expect(setupFailure("concat", inputs: [TensorSpec([2, 1])]) != nil)
    }

    @Test func shapeAndParamErrors() {
        #expect(setupFailure("concat", inputs: [TensorSpec([2, 3, 4]), TensorSpec([2, 3, 5])])?.blamedInput == 1)
        #expect(setupFailure("concat", inputs: [TensorSpec([2, 3, 4]), TensorSpec([2, 3])])?.blamedInput == 1)
        #expect(setupFailure("concat", .object([("axis", .int(3))]), inputs: [TensorSpec([2, 3, 4]), TensorSpec([2, 3, 4])]) != nil)
        #expect(setupFailure("slice", .object([("start", .int(2)), ("length", .int(2))]), inputs: [TensorSpec([2, 3])])?.blamedInput == 0)
        #expect(setupFailure("slice", .object([("start", .int(0)), ("length", .int(0))]), inputs: [TensorSpec([2, 3])]) != nil)
        #expect(
            setupFailure("slice", .object([("length", .int(1))]), inputs: [TensorSpec([2, 3])])?.description == "start: missing required key 'start'")
    }
}
