/// A linear learning-rate warm-up, the `warmup` param of every schedule:
/// `warmup: {epochs: 5, start_factor: 0.01}`.
///
/// At fractional epoch e < epochs (evaluated at every step), the rate is
/// base * (start_factor + (1 - start_factor) * e / epochs), rising from
/// start_factor * base at the first step to base at the end of the warm-up, as
/// PyTorch's `LinearLR` stepped per iteration. From then on the schedule's own rule applies.
public struct LinearWarmup: PluginParams, Equatable {
    @Param("length of the warm-up in epochs (may be fractional)", .greaterThan(0), required: true) public var epochs = 1.0
    @Param("fraction of the base rate at the first step", .between(0, 1)) public var startFactor = 0.0

    public init() {}

    public init(epochs: Double, startFactor: Double = 0) {
        self.epochs = epochs
        self.startFactor = startFactor
    }

    /// The documentation of the `warmup` key, shared by every schedule.
    static let doc = "linear warm-up per step from start_factor * lr to lr over `epochs` epochs, before the schedule's own rule"
    /// The type of the `warmup` key as `canopy plugins` shows it.
    static let type = "{epochs: number, start_factor: number = 0}"

    /// The warm-up factor at fractional epoch `e`, or nil once the warm-up is over.
    func factor(at e: Double) -> Double? {
        e < epochs ? startFactor + (1 - startFactor) * e / epochs : nil
    }
}
