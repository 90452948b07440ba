/// A linear learning-rate warm-up, the `warmup` param of every schedule:
/// `warmup: {epochs: 5, start_factor: 0.01}`.
///
/// At fractional epoch e < epochs (evaluated at every step), the rate is
/// base * (start_factor + (1 - start_factor) * e / epochs), rising from
/// start_factor * base at the first step to base at the end of the warm-up, as
/// PyTorch's `LinearLR` stepped per iteration. From then on the schedule's own rule applies.
public struct LinearWarmup: Decodable, Sendable, Equatable {
    /// Length of the warm-up in epochs (may be fractional), > 0.
    public var epochs: Double
    /// Fraction of the base rate at the first step, in [0, 1].
    public var startFactor: Double

    public init(epochs: Double, startFactor: Double = 0) {
        self.epochs = epochs
        self.startFactor = startFactor
    }

    enum CodingKeys: String, CodingKey {
        case epochs
        case startFactor = "start_factor"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.decode(Double.self, forKey: .epochs)
        startFactor = try c.decodeIfPresent(Double.self, forKey: .startFactor) ?? 0
    }

    /// The documentation of the `warmup` key, shared by every schedule.
    static let doc = ParameterDoc(
        "warmup", "{epochs: number, start_factor: number = 0}", default: "none",
        "linear warm-up per step from start_factor * lr to lr over `epochs` epochs, before the schedule's own rule")

    /// Throws unless epochs > 0 and start_factor is in [0, 1].
    func validate() throws(ParamError) {
        guard epochs > 0 else { throw ParamError(path: ["warmup", "epochs"], "must be > 0, got \(epochs)") }
        guard startFactor >= 0, startFactor <= 1 else {
            throw ParamError(path: ["warmup", "start_factor"], "must be in [0, 1], got \(startFactor)")
        }
    }

    /// The warm-up factor at fractional epoch `e`, or nil once the warm-up is over.
    func factor(at e: Double) -> Double? {
        e < epochs ? startFactor + (1 - startFactor) * e / epochs : nil
    }
}
