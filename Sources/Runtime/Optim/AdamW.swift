import Foundation

/// Adam with decoupled weight decay, exactly `torch.optim.AdamW`. At step t (1-based):
///
///     p = p * (1 - lr * weight_decay)
///     m = beta1 * m + (1 - beta1) * g
///     v = beta2 * v + (1 - beta2) * g^2
///     vmax = max(vmax, v)                 (amsgrad only; then vmax replaces v below)
///     p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
///
/// State: `exp_avg` (m), `exp_avg_sq` (v), with amsgrad `max_exp_avg_sq`, and the step
/// count t. The per-element decay factor (`weight_decay_applies_to`) multiplies
/// `weight_decay`.
public struct AdamW: Optimizer {
    /// `optimizer: {name: adamw, lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.05}`.
    public struct Params: Decodable, Sendable {
        public var lr: Double
        public var betas: [Double]
        public var eps: Double
        public var weightDecay: Double
        public var amsgrad: Bool
        public var weightDecayAppliesTo: WeightDecayScope

        public init(lr: Double = 1e-3, betas: [Double] = [0.9, 0.999], eps: Double = 1e-8, weightDecay: Double = 1e-2,
                    amsgrad: Bool = false, weightDecayAppliesTo: WeightDecayScope = .all) {
            self.lr = lr
            self.betas = betas
            self.eps = eps
            self.weightDecay = weightDecay
            self.amsgrad = amsgrad
            self.weightDecayAppliesTo = weightDecayAppliesTo
        }

        enum CodingKeys: String, CodingKey {
            case lr, betas, eps, amsgrad
            case weightDecay = "weight_decay"
            case weightDecayAppliesTo = "weight_decay_applies_to"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Params()
            lr = try c.decodeIfPresent(Double.self, forKey: .lr) ?? d.lr
            betas = try c.decodeIfPresent([Double].self, forKey: .betas) ?? d.betas
            eps = try c.decodeIfPresent(Double.self, forKey: .eps) ?? d.eps
            weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
            amsgrad = try c.decodeIfPresent(Bool.self, forKey: .amsgrad) ?? d.amsgrad
            weightDecayAppliesTo = try c.decodeIfPresent(WeightDecayScope.self, forKey: .weightDecayAppliesTo)
                ?? d.weightDecayAppliesTo
        }
    }

    public static let name = "adamw"
    public static let summary = "Adam with decoupled weight decay and bias correction (torch.optim.AdamW)"
    public static let parameters: [ParameterDoc] = [
        ParameterDoc("lr", "number", default: "0.001", "base learning rate (scaled by the schedule)"),
        ParameterDoc("betas", "[number, number]", default: "[0.9, 0.999]",
                     "decay rates of the first and second moment averages, each in [0, 1)"),
        ParameterDoc("eps", "number", default: "1e-8", "added to the bias-corrected sqrt(v) in the denominator"),
        ParameterDoc("weight_decay", "number", default: "0.01", "decoupled decay: p *= 1 - lr * weight_decay each step"),
        ParameterDoc("amsgrad", "bool", default: "false", "use the running maximum of v (AMSGrad)"),
        ParameterDoc("weight_decay_applies_to", WeightDecayScope.choices, default: "all",
                     "parameters that weight decay applies to: all, or matrices (not 1-D biases, norms, layer scales)"),
    ]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        guard params.lr >= 0 else { throw ParamError(path: ["lr"], "must be >= 0, got \(params.lr)") }
        guard params.betas.count == 2 else {
            throw ParamError(path: ["betas"], "expected two numbers [beta1, beta2], got \(params.betas.count)")
        }
        for (i, beta) in params.betas.enumerated() where !(beta >= 0 && beta < 1) {
            throw ParamError(path: ["betas", String(i)], "must be in [0, 1), got \(beta)")
        }
        guard params.eps >= 0 else { throw ParamError(path: ["eps"], "must be >= 0, got \(params.eps)") }
        guard params.weightDecay >= 0 else {
            throw ParamError(path: ["weight_decay"], "must be >= 0, got \(params.weightDecay)")
        }
        self.params = params
    }

    public var learningRate: Double { params.lr }
    public var weightDecayScope: WeightDecayScope { params.weightDecayAppliesTo }
    public var stateNames: [String] {
        params.amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"]
    }

    public func step(_ parameters: FlatParameters, state: inout OptimizerState, lr: Double) {
        precondition(state.buffers.count == (params.amsgrad ? 3 : 2), "adamw needs the state buffers \(stateNames)")
        state.steps += 1
        let t = Double(state.steps)
        let beta1 = params.betas[0], beta2 = params.betas[1]
        let stepSize = Float(lr / (1 - pow(beta1, t)))
        let correction2 = Float((1 - pow(beta2, t)).squareRoot())
        let lrDecay = Float(lr * params.weightDecay)
        let b1 = Float(beta1), b2 = Float(beta2), c1 = Float(1 - beta1), c2 = Float(1 - beta2)
        let eps = Float(params.eps)
        let p = parameters.values, g = parameters.grads, scale = parameters.decayScale
        let m = state.buffers[0], v = state.buffers[1]
        let vmax = params.amsgrad ? state.buffers[2] : nil
        elementwise(parameters.count) { range in
            for i in range {
                let decay = scale.map { lrDecay * $0[i] } ?? lrDecay
                let gi = g[i]
                let pi = p[i] * (1 - decay)
                m[i] = b1 * m[i] + c1 * gi
                v[i] = b2 * v[i] + c2 * gi * gi
                var second = v[i]
                if let vmax {
                    vmax[i] = max(vmax[i], second)
                    second = vmax[i]
                }
                p[i] = pi - stepSize * m[i] / (second.squareRoot() / correction2 + eps)
            }
        }
    }
}
