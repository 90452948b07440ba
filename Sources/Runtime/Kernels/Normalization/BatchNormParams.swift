/// Params of `batchnorm1d` and `batchnorm2d`. Training versus evaluation is not a param:
/// it is the mode of the call (`KernelCall.training`).
public struct BatchNormParams: PluginParams {
    /// Added to the variance inside the square root.
    @Param("added to the variance inside the square root") public var eps = 1e-5
    /// Weight of the batch statistics in the running-statistics update.
    @Param("running = (1 - momentum) * running + momentum * batch statistic (unbiased variance), in training mode")
    public var momentum = 0.1

    public init() {}

    public init(eps: Double = 1e-5, momentum: Double = 0.1) {
        self.init()
        (self.eps, self.momentum) = (eps, momentum)
    }
}
