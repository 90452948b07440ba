/// Params of `softmax` and `log_softmax`: `temperature` T > 0 (default 1), so the
/// kernels compute softmax(x / T) and log softmax(x / T).
public struct SoftmaxParams: PluginParams {
    @Param("T > 0: the softmax is taken of x / T") public var temperature: Float = 1

    public init() {}

    public init(temperature: Float = 1) {
        self.init()
        self.temperature = temperature
    }

    /// Checks the temperature and the input, and returns the output spec (the input's).
    func validate(_ inputs: [TensorSpec], kernel: String) throws(KernelError) -> TensorSpec {
        try KernelError.require(
            temperature > 0 && temperature.isFinite,
            "\(kernel) needs a finite temperature > 0, got \(temperature)")
        try KernelError.require(inputs[0].dtype == .float32, "\(kernel) needs float32 input x", input: 0)
        try KernelError.require(
            inputs[0].shape.rank >= 1 && inputs[0].shape[-1] > 0,
            "\(kernel) needs x with a non-empty last dimension, got \(inputs[0].shape)", input: 0)
        return inputs[0]
    }
}
