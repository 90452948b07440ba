import CanopyRuntime
import Testing

/// The primitives the method heads add: `reshape` and `weighted_sum`. Gradient checks
/// use GradientCheck's defaults (central differences) on odd shapes.
@Suite struct MethodKernelTests {
    @Test func reshapeGradient() throws {
        let spec = TensorSpec([3, 5])
        let k = try KernelRegistry.make(Reshape.self, params: .object([("shape", .array([.int(3), .int(1), .int(-1)]))]), inputs: [spec])
        #expect(k.outputs[0].shape == Shape([3, 1, 5]))
        GradientCheck().check(k, inputs: [spec])
    }

    @Test func reshapeRejectsWrongCount() {
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(Reshape.self, params: .object([("shape", .array([.int(4), .int(-1)]))]), inputs: [TensorSpec([3, 5])])
        }
    }

    @Test func weightedSumGradient() throws {
        let specs = [TensorSpec([3, 4]), TensorSpec([3, 4, 7])]
        let k = try KernelRegistry.make(WeightedSum.self, params: .empty, inputs: specs)
        #expect(k.outputs[0].shape == Shape([3, 7]))
        GradientCheck().check(k, inputs: specs)
    }

    @Test func weightedSumForward() throws {
        let specs = [TensorSpec([1, 2]), TensorSpec([1, 2, 2])]
        let k = try KernelRegistry.make(WeightedSum.self, params: .empty, inputs: specs)
        let run = StandaloneKernel(k, inputs: specs)
        _ = run.inputs[0].tensor.floats.update(from: [0.25, 0.75])
        _ = run.inputs[1].tensor.floats.update(from: [1, 2, 3, 4])
        run.forward()
        #expect(run.outputs[0].tensor.toArray() == [2.5, 3.5])
    }
}
