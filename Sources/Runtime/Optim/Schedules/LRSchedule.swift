/// A learning-rate schedule plugin: the learning rate at each point of training, as a
/// function of the optimizer's base rate.
///
/// The trainer asks for the rate before every optimizer step, with the position of
/// that step (`TrainingPosition`). Each schedule documents whether it follows whole
/// epochs (PyTorch's per-epoch `scheduler.step()`) or the fractional epoch of the step.
/// Every schedule takes an optional `warmup` (`LinearWarmup`), which is always
/// evaluated per step. Params are decoded strictly from the spec's `schedule:` mapping
/// without its `name` key.
public protocol LRSchedule: Sendable {
    /// The params type, decoded strictly by `ParamDecoder`.
    associatedtype Params: Decodable & Sendable

    /// Registry name, e.g. "cosine".
    static var name: String { get }
    /// One line describing the schedule.
    static var summary: String { get }
    /// Every key of `Params`, with type, default and meaning.
    static var parameters: [ParameterDoc] { get }

    /// Validates `params`; a bad value throws a `ParamError` whose path names its key.
    init(params: Params) throws(ParamError)

    /// The learning rate for the step at `position`, given the optimizer's base rate.
    func learningRate(base: Double, at position: TrainingPosition) -> Double
}

extension LRSchedule {
    /// Decodes `value` strictly into `Params` and validates it.
    public static func make(_ value: ParamValue) throws(ParamErrors) -> Self {
        let params = try ParamDecoder.decode(Params.self, from: value)
        do { return try Self(params: params) } catch { throw ParamErrors(errors: [error]) }
    }
}

/// Where an optimizer step falls in training.
public struct TrainingPosition: Sendable, Equatable {
    /// The epoch in progress, from 0.
    public var epoch: Int
    /// The step within the epoch, from 0.
    public var step: Int
    /// Optimizer steps per epoch (at least 1).
    public var stepsPerEpoch: Int
    /// Epochs in the whole run.
    public var totalEpochs: Int

    public init(epoch: Int, step: Int = 0, stepsPerEpoch: Int = 1, totalEpochs: Int) {
        self.epoch = epoch
        self.step = step
        self.stepsPerEpoch = max(1, stepsPerEpoch)
        self.totalEpochs = totalEpochs
    }

    /// Epochs completed at this step, with the fraction of the current one:
    /// epoch + step / stepsPerEpoch (0 at the first step of training).
    public var fractionalEpoch: Double { Double(epoch) + Double(step) / Double(stepsPerEpoch) }
}

extension LRSchedule where Params: PluginParams {
    /// The `@Param` declarations of `Params`.
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
}
