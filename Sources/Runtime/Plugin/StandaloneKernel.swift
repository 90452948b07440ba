/// A kernel with memory of its own for every tensor it touches: for tests, gradient
/// checks, golden cases and micro-benchmarks, where no plan exists. Inputs are
/// copied in by the caller through `inputs[i].tensor`.
public final class StandaloneKernel {
    public let kernel: any Kernel
    public let inputs: [TensorStorage]
    public let outputs: [TensorStorage]
    public let state: [TensorStorage]
    /// Gradient buffers for the inputs in `gradientInputs` (zeroed by `zeroGradients`).
    public let inputGrads: [TensorStorage?]
    /// Upstream gradients, one per output; fill them before `backward`.
    public let outputGrads: [TensorStorage]
    private let workspace: UnsafeMutableRawPointer?

    /// Allocates zeroed memory for `kernel` with these input specs; gradients are kept
    /// for the float32 inputs in `gradientInputs` (all float inputs when nil).
    public init(_ kernel: any Kernel, inputs specs: [TensorSpec], gradientInputs: Set<Int>? = nil) {
        self.kernel = kernel
        inputs = specs.map(TensorStorage.init)
        outputs = kernel.outputs.map(TensorStorage.init)
        state = kernel.state.map(TensorStorage.init)
        inputGrads = specs.enumerated().map { i, s in
            s.dtype == .float32 && (gradientInputs?.contains(i) ?? true) ? TensorStorage(s) : nil
        }
        outputGrads = kernel.outputs.map(TensorStorage.init)
        let bytes = kernel.workspaceBytes
        workspace = bytes > 0 ? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64) : nil
        workspace?.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
    }

    deinit { workspace?.deallocate() }

    /// The call record binding all of this memory.
    public func call(training: Bool) -> KernelCall {
        KernelCall(
            inputs: inputs.map(\.tensor), outputs: outputs.map(\.tensor), state: state.map(\.tensor),
            inputGrads: inputGrads.map { $0?.tensor }, outputGrads: outputGrads.map(\.tensor),
            workspace: workspace, training: training)
    }

    public func forward(training: Bool = true) { kernel.forward(call(training: training)) }

    public func backward(training: Bool = true) { kernel.backward(call(training: training)) }

    /// Sets every input gradient to zero.
    public func zeroGradients() { inputGrads.forEach { $0?.tensor.zero() } }
}
