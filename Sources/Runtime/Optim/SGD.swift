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
    public struct Params: Decodable, Sendable {
        public var lr: Double
        public var momentum: Double
        public var dampening: Double
        public var nesterov: Bool
        public var weightDecay: Double
        public var weightDecayAppliesTo: WeightDecayScope

        public init(lr: Double = 1e-3, momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false,
                    weightDecay: Double = 0, weightDecayAppliesTo: WeightDecayScope = .all) {
            self.lr = lr
            self.momentum = momentum
            self.dampening = dampening
            self.nesterov = nesterov
            self.weightDecay = weightDecay
            self.weightDecayAppliesTo = weightDecayAppliesTo
        }

        enum CodingKeys: String, CodingKey {
            case lr, momentum, dampening, nesterov
            case weightDecay = "weight_decay"
            case weightDecayAppliesTo = "weight_decay_applies_to"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Params()
            lr = try c.decodeIfPresent(Double.self, forKey: .lr) ?? d.lr
            momentum = try c.decodeIfPresent(Double.self, forKey: .momentum) ?? d.momentum
            dampening = try c.decodeIfPresent(Double.self, forKey: .dampening) ?? d.dampening
            nesterov = try c.decodeIfPresent(Bool.self, forKey: .nesterov) ?? d.nesterov
            weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
            weightDecayAppliesTo = try c.decodeIfPresent(WeightDecayScope.self, forKey: .weightDecayAppliesTo)
                ?? d.weightDecayAppliesTo
        }
    }

    public static let name = "sgd"
    public static let summary = "SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD)"
    public static let parameters: [ParameterDoc] = [
        ParameterDoc("lr", "number", default: "0.001", "base learning rate (scaled by the schedule)"),
        ParameterDoc("momentum", "number", default: "0", "momentum factor; 0 keeps no buffer"),
        ParameterDoc("dampening", "number", default: "0", "dampening of the gradient added to the momentum buffer"),
        ParameterDoc("nesterov", "bool", default: "false", "Nesterov momentum (needs momentum > 0 and dampening 0)"),
        ParameterDoc("weight_decay", "number", default: "0", "L2 penalty, added to the gradient as weight_decay * p"),
        ParameterDoc("weight_decay_applies_to", WeightDecayScope.choices, default: "all",
                     "parameters that weight decay applies to: all, or matrices (not 1-D biases, norms, layer scales)"),
    ]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        guard params.lr >= 0 else { throw ParamError(path: ["lr"], "must be >= 0, got \(params.lr)") }
        guard params.momentum >= 0 else { throw ParamError(path: ["momentum"], "must be >= 0, got \(params.momentum)") }
        guard params.weightDecay >= 0 else {
            throw ParamError(path: ["weight_decay"], "must be >= 0, got \(params.weightDecay)")
        }
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
        elementwise(parameters.count) { range in
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
