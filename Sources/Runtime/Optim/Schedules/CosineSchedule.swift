import Foundation

/// Cosine annealing from the base rate to `min_lr`:
/// `schedule: {name: cosine, min_lr: 0, warmup: {epochs: 5}}`.
///
/// After the warm-up (length w epochs, 0 without one), at position e the rate is
/// min_lr + (lr - min_lr) * (1 + cos(pi * p)) / 2 with p = (e - w) / (epochs - w)
/// clamped to [0, 1]: the curve starts at lr when the warm-up ends and reaches min_lr
/// at `epochs` (then stays there). With `stepping: step` (the default) e is the
/// fractional epoch of each step, so the rate falls smoothly within epochs; with
/// `stepping: epoch` e is the whole epoch in progress, PyTorch's `CosineAnnealingLR`
/// (T_max = epochs) stepped once per epoch. The warm-up itself is always per step.
public struct CosineSchedule: LRSchedule {
    /// When the cosine part of the schedule is evaluated.
    public enum Stepping: String, ParamChoice {
        /// At the fractional epoch of every step.
        case step
        /// At the start of each epoch; constant within it.
        case epoch
    }

    public struct Params: PluginParams {
        @Param("the rate at the end of the schedule (absolute, not a factor)", .atLeast(0)) public var minLR = 0.0
        @Param("epoch at which the rate reaches min_lr, warm-up included", .atLeast(1), shownDefault: "the run's epochs")
        public var epochs: Int? = nil
        @Param("step: evaluate at every step's fractional epoch; epoch: once per epoch, as PyTorch") public var stepping = Stepping.step
        @Param(LinearWarmup.doc, type: LinearWarmup.type) public var warmup: LinearWarmup? = nil

        public init() {}

        public init(minLR: Double = 0, epochs: Int? = nil, stepping: Stepping = .step, warmup: LinearWarmup? = nil) {
            (self.minLR, self.epochs, self.stepping, self.warmup) = (minLR, epochs, stepping, warmup)
        }
    }

    public static let name = "cosine"
    public static let summary = "cosine annealing from lr to min_lr, per step by default (torch CosineAnnealingLR)"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        if let epochs = params.epochs {
            if let warmup = params.warmup, warmup.epochs >= Double(epochs) {
                throw ParamError(path: ["warmup", "epochs"], "the warm-up (\(warmup.epochs) epochs) must end before epoch \(epochs)")
            }
        }
        self.params = params
    }

    public func learningRate(base: Double, at position: TrainingPosition) -> Double {
        let e = position.fractionalEpoch
        if let factor = params.warmup?.factor(at: e) { return base * factor }
        let warm = params.warmup?.epochs ?? 0
        let end = Double(params.epochs ?? position.totalEpochs)
        let at = params.stepping == .step ? e : Double(position.epoch)
        let progress = end > warm ? min(max((at - warm) / (end - warm), 0), 1) : 1
        return params.minLR + (base - params.minLR) * (1 + cos(Double.pi * progress)) / 2
    }
}
