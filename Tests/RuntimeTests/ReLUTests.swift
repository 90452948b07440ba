import CanopyRuntime
import Testing

@Suite struct ReLUTests {
    @Test func gradientMatchesFiniteDifferences() throws {
        let spec = TensorSpec([3, 5, 4])
        let k = try KernelRegistry.make(ReLU.self, params: .empty, inputs: [spec])
        GradientCheck().check(k, inputs: [spec])
    }

    @Test func forwardClampsNegatives() throws {
        let k = try KernelRegistry.make(ReLU.self, params: .empty, inputs: [TensorSpec([4])])
        let run = StandaloneKernel(k, inputs: [TensorSpec([4])])
        _ = run.inputs[0].tensor.floats.update(from: [-1, 0, 2, -0.5])
        run.forward()
        #expect(run.outputs[0].tensor.toArray() == [0, 0, 2, 0])
    }

    @Test func unknownParamIsRejectedWithSuggestion() {
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(ReLU.self, params: .object([("inplace", .bool(true))]), inputs: [TensorSpec([4])])
        }
    }
}
