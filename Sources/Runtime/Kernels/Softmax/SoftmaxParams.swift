/// Params of `softmax` and `log_softmax`: `temperature` T > 0 (default 1), so the
/// kernels compute softmax(x / T) and log softmax(x / T).
public struct SoftmaxParams: Codable, Sendable {
    public var temperature: Float

    public init(temperature: Float = 1) { self.temperature = temperature }

    private enum CodingKeys: String, CodingKey { case temperature }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        temperature = try c.decodeIfPresent(Float.self, forKey: .temperature) ?? 1
    }

    /// The documentation of these keys, shared by both kernels.
    static let docs: [ParameterDoc] = [
        ParameterDoc("temperature", "number", default: "1", "T > 0: the softmax is taken of x / T"),
    ]

    /// Checks the temperature and the input, and returns the output spec (the input's).
    func validate(_ inputs: [TensorSpec], kernel: String) throws(KernelError) -> TensorSpec {
        try KernelError.require(temperature > 0 && temperature.isFinite,
                                "\(kernel) needs a finite temperature > 0, got \(temperature)")
        try KernelError.require(inputs[0].dtype == .float32, "\(kernel) needs float32 input x", input: 0)
        try KernelError.require(inputs[0].shape.rank >= 1 && inputs[0].shape[-1] > 0,
                                "\(kernel) needs x with a non-empty last dimension, got \(inputs[0].shape)", input: 0)
        return inputs[0]
    }
}
