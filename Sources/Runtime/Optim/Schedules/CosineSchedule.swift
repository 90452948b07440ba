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

    public struct Params: Decodable, Sendable {
        public var minLR: Double
        public var epochs: Int?
        public var stepping: Stepping
        public var warmup: LinearWarmup?

        public init(minLR: Double = 0, epochs: Int? = nil, stepping: Stepping = .step, warmup: LinearWarmup? = nil) {
            self.minLR = minLR
            self.epochs = epochs
            self.stepping = stepping
            self.warmup = warmup
        }

        enum CodingKeys: String, CodingKey {
            case minLR = "min_lr"
            case epochs, stepping, warmup
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            minLR = try c.decodeIfPresent(Double.self, forKey: .minLR) ?? 0
            epochs = try c.decodeIfPresent(Int.self, forKey: .epochs)
            stepping = try c.decodeIfPresent(Stepping.self, forKey: .stepping) ?? .step
            warmup = try c.decodeIfPresent(LinearWarmup.self, forKey: .warmup)
        }
    }

    public static let name = "cosine"
    public static let summary = "cosine annealing from lr to min_lr, per step by default (torch CosineAnnealingLR)"
    public static let parameters: [ParameterDoc] = [
        ParameterDoc("min_lr", "number", default: "0", "the rate at the end of the schedule (absolute, not a factor)"),
        ParameterDoc("epochs", "int", default: "the run's epochs", "epoch at which the rate reaches min_lr, warm-up included"),
        ParameterDoc("stepping", Stepping.choices, default: "step",
                     "step: evaluate at every step's fractional epoch; epoch: once per epoch, as PyTorch"),
        LinearWarmup.doc,
    ]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        guard params.minLR >= 0 else { throw ParamError(path: ["min_lr"], "must be >= 0, got \(params.minLR)") }
        if let epochs = params.epochs {
            guard epochs >= 1 else { throw ParamError(path: ["epochs"], "must be >= 1, got \(epochs)") }
            if let warmup = params.warmup, warmup.epochs >= Double(epochs) {
                throw ParamError(path: ["warmup", "epochs"], "the warm-up (\(warmup.epochs) epochs) must end before epoch \(epochs)")
            }
        }
        try params.warmup?.validate()
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
