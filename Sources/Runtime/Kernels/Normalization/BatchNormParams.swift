/// Params of `batchnorm1d` and `batchnorm2d`. Training versus evaluation is not a param:
/// it is the mode of the call (`KernelCall.training`).
public struct BatchNormParams: Decodable, Sendable {
    /// Added to the variance inside the square root.
    public var eps: Double
    /// Weight of the batch statistics in the running-statistics update.
    public var momentum: Double

    /// The documentation of both keys, shared by the two kernels.
    static let docs: [ParameterDoc] = [
        ParameterDoc("eps", "number", default: "1e-5", "added to the variance inside the square root"),
        ParameterDoc("momentum", "number", default: "0.1",
                     "running = (1 - momentum) * running + momentum * batch statistic (unbiased variance), in training mode"),
    ]

    private enum CodingKeys: String, CodingKey { case eps, momentum }

    public init(eps: Double = 1e-5, momentum: Double = 0.1) {
        self.eps = eps
        self.momentum = momentum
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        eps = try c.decodeIfPresent(Double.self, forKey: .eps) ?? 1e-5
        momentum = try c.decodeIfPresent(Double.self, forKey: .momentum) ?? 0.1
    }
}
