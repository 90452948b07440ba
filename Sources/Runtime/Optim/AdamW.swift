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
    public struct Params: PluginParams {
        @Param("base learning rate (scaled by the schedule)", .atLeast(0)) public var lr = 1e-3
        @Param("decay rates of the first and second moment averages", .from(0, below: 1), type: "[number, number], each in [0, 1)")
        public var betas = [0.9, 0.999]
        @Param("added to the bias-corrected sqrt(v) in the denominator", .atLeast(0)) public var eps = 1e-8
        @Param("decoupled decay: p *= 1 - lr * weight_decay each step", .atLeast(0)) public var weightDecay = 1e-2
        @Param("use the running maximum of v (AMSGrad)") public var amsgrad = false
        @Param("parameters that weight decay applies to: all, or matrices (not 1-D biases, norms, layer scales)")
        public var weightDecayAppliesTo = WeightDecayScope.all

        public init() {}

        public init(
            lr: Double = 1e-3, betas: [Double] = [0.9, 0.999], eps: Double = 1e-8, weightDecay: Double = 1e-2,
            amsgrad: Bool = false, weightDecayAppliesTo: WeightDecayScope = .all
        ) {
            (self.lr, self.betas, self.eps) = (lr, betas, eps)
            (self.weightDecay, self.amsgrad, self.weightDecayAppliesTo) = (weightDecay, amsgrad, weightDecayAppliesTo)
        }
    }

    public static let name = "adamw"
    public static let summary = "Adam with decoupled weight decay and bias correction (torch.optim.AdamW)"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        guard params.betas.count == 2 else {
            throw ParamError(path: ["betas"], "expected two numbers [beta1, beta2], got \(params.betas.count)")
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
        elementwise(parameters.count, threads: parameters.threads) { range in
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
