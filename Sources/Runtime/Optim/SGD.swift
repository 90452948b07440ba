/// Stochastic gradient descent with momentum, exactly `torch.optim.SGD`:
///
///     g = grad + weight_decay * p                      (decay added to the gradient)
///     b = g                          at the first step  (the buffer starts as the gradient)
///     b = momentum * b + (1 - dampening) * g           afterwards
///     g = g + momentum * b   if nesterov,   else  g = b
///     p = p - lr * g
///
/// With `momentum: 0` there is no buffer and the update is p - lr * g. The per-element
/// decay factor (`weight_decay_applies_to`) multiplies `weight_decay`.
public struct SGD: Optimizer {
    /// `optimizer: {name: sgd, lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 5e-4}`.
    public struct Params: PluginParams {
        @Param("base learning rate (scaled by the schedule)", .atLeast(0)) public var lr = 1e-3
        @Param("momentum factor; 0 keeps no buffer", .atLeast(0)) public var momentum = 0.0
        @Param("dampening of the gradient added to the momentum buffer") public var dampening = 0.0
        @Param("Nesterov momentum (needs momentum > 0 and dampening 0)") public var nesterov = false
        @Param("L2 penalty, added to the gradient as weight_decay * p", .atLeast(0)) public var weightDecay = 0.0
        @Param("parameters that weight decay applies to: all, or matrices (not 1-D biases, norms, layer scales)")
        public var weightDecayAppliesTo = WeightDecayScope.all

        public init() {}

        public init(
            lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false,
            weightDecay: Double = 0, weightDecayAppliesTo: WeightDecayScope = .all
        ) {
            (self.lr, self.momentum, self.dampening, self.nesterov) = (lr, momentum, dampening, nesterov)
            (self.weightDecay, self.weightDecayAppliesTo) = (weightDecay, weightDecayAppliesTo)
        }
    }

    public static let name = "sgd"
    public static let summary = "SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD)"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        if params.nesterov {
            guard params.momentum > 0 else { throw ParamError(path: ["nesterov"], "Nesterov momentum needs momentum > 0") }
            guard params.dampening == 0 else { throw ParamError(path: ["nesterov"], "Nesterov momentum needs dampening 0") }
        }
        self.params = params
    }

    public var learningRate: Double { params.lr }
    public var weightDecayScope: WeightDecayScope { params.weightDecayAppliesTo }
    public var stateNames: [String] { params.momentum == 0 ? [] : ["momentum_buffer"] }

    public func step(_ parameters: FlatParameters, state: inout OptimizerState, lr: Double) {
        precondition(state.buffers.count == (params.momentum == 0 ? 0 : 1), "sgd needs the state buffers \(stateNames)")
        let p = parameters.values, g = parameters.grads, scale = parameters.decayScale
        let rate = Float(lr), wd = Float(params.weightDecay), mu = Float(params.momentum)
        let keep = Float(1 - params.dampening)
        let first = state.steps == 0, nesterov = params.nesterov
        let buffer = state.buffers.first
        elementwise(parameters.count, threads: parameters.threads) { range in
            for i in range {
                let decay = scale.map { wd * $0[i] } ?? wd
                var d = g[i] + decay * p[i]
                if let b = buffer {
                    b[i] = first ? d : mu * b[i] + keep * d
                    d = nesterov ? d + mu * b[i] : b[i]
                }
                p[i] = p[i] - rate * d
            }
        }
        state.steps += 1
    }
}
