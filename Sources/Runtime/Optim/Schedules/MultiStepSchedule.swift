/// Step decay at fixed epochs, as PyTorch's `MultiStepLR` stepped once per epoch (the
/// protocol of the CIFAR papers): `schedule: {name: multistep, milestones: [150, 225], gamma: 0.1}`.
///
/// During epoch e (from 0) the rate is base * gamma^k, k = the number of milestones <= e,
/// so with milestones [150, 225] epochs 0-149 use lr, 150-224 lr * 0.1, and 225 on
/// lr * 0.01. The rate changes at the first step of a milestone epoch and is constant
/// within an epoch; because milestones are whole epochs, evaluating at the fractional
/// epoch of each step would give the same values. Milestones count from the start of
/// training, warm-up included; during the warm-up its factor multiplies the rate.
public struct MultiStepSchedule: LRSchedule {
    public struct Params: Decodable, Sendable {
        public var milestones: [Int]
        public var gamma: Double
        public var warmup: LinearWarmup?

        public init(milestones: [Int], gamma: Double = 0.1, warmup: LinearWarmup? = nil) {
            self.milestones = milestones
            self.gamma = gamma
            self.warmup = warmup
        }

        enum CodingKeys: String, CodingKey { case milestones, gamma, warmup }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            milestones = try c.decode([Int].self, forKey: .milestones)
            gamma = try c.decodeIfPresent(Double.self, forKey: .gamma) ?? 0.1
            warmup = try c.decodeIfPresent(LinearWarmup.self, forKey: .warmup)
        }
    }

    public static let name = "multistep"
    public static let summary = "lr * gamma^(milestones passed), per epoch (torch MultiStepLR)"
    public static let parameters: [ParameterDoc] = [
        ParameterDoc("milestones", "[int]", "epochs (from 0) at whose start the rate is multiplied by gamma"),
        ParameterDoc("gamma", "number", default: "0.1", "factor applied at each milestone"),
        LinearWarmup.doc,
    ]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        for (i, m) in params.milestones.enumerated() where m < 1 {
            throw ParamError(path: ["milestones", String(i)], "must be an epoch >= 1, got \(m)")
        }
        guard params.gamma > 0 else { throw ParamError(path: ["gamma"], "must be > 0, got \(params.gamma)") }
        try params.warmup?.validate()
        self.params = params
    }

    public func learningRate(base: Double, at position: TrainingPosition) -> Double {
        let passed = params.milestones.reduce(0) { $0 + ($1 <= position.epoch ? 1 : 0) }
        var rate = base
        for _ in 0..<passed { rate *= params.gamma }
        return rate * (params.warmup?.factor(at: position.fractionalEpoch) ?? 1)
    }
}
