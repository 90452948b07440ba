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
    public struct Params: PluginParams {
        @Param("epochs (from 0) at whose start the rate is multiplied by gamma", .atLeast(1), type: "[int]", required: true)
        public var milestones: [Int] = []
        @Param("factor applied at each milestone", .greaterThan(0)) public var gamma = 0.1
        @Param(LinearWarmup.doc, type: LinearWarmup.type) public var warmup: LinearWarmup? = nil

        public init() {}

        public init(milestones: [Int], gamma: Double = 0.1, warmup: LinearWarmup? = nil) {
            (self.milestones, self.gamma, self.warmup) = (milestones, gamma, warmup)
        }
    }

    public static let name = "multistep"
    public static let summary = "lr * gamma^(milestones passed), per epoch (torch MultiStepLR)"

    public let params: Params

    public init(params: Params) { self.params = params }

    public func learningRate(base: Double, at position: TrainingPosition) -> Double {
        let passed = params.milestones.reduce(0) { $0 + ($1 <= position.epoch ? 1 : 0) }
        var rate = base
        for _ in 0..<passed { rate *= params.gamma }
        return rate * (params.warmup?.factor(at: position.fractionalEpoch) ?? 1)
    }
}
