/// A constant learning rate (after the optional warm-up): `schedule: {name: constant}`.
public struct ConstantSchedule: LRSchedule {
    public struct Params: Decodable, Sendable {
        public var warmup: LinearWarmup?

        public init(warmup: LinearWarmup? = nil) { self.warmup = warmup }
    }

    public static let name = "constant"
    public static let summary = "the optimizer's lr throughout (after an optional linear warm-up)"
    public static let parameters: [ParameterDoc] = [LinearWarmup.doc]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        try params.warmup?.validate()
        self.params = params
    }

    public func learningRate(base: Double, at position: TrainingPosition) -> Double {
        base * (params.warmup?.factor(at: position.fractionalEpoch) ?? 1)
    }
}
