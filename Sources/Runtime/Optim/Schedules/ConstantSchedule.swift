/// A constant learning rate (after the optional warm-up): `schedule: {name: constant}`.
public struct ConstantSchedule: LRSchedule {
    public struct Params: PluginParams {
        @Param(LinearWarmup.doc, type: LinearWarmup.type) public var warmup: LinearWarmup? = nil

        public init() {}
        public init(warmup: LinearWarmup?) { self.warmup = warmup }
    }

    public static let name = "constant"
    public static let summary = "the optimizer's lr throughout (after an optional linear warm-up)"

    public let params: Params

    public init(params: Params) { self.params = params }

    public func learningRate(base: Double, at position: TrainingPosition) -> Double {
        base * (params.warmup?.factor(at: position.fractionalEpoch) ?? 1)
    }
}
