/// The weight of a loss term over training: a constant, or a schedule evaluated once
/// per epoch into a runtime scalar, so the compiled plan never changes.
public enum LossWeight: Sendable, Equatable {
    case constant(Double)
    /// The consistency ramp of ONE/OKDDip/T2B (docs/methods.md#consistency-ramp): `max * exp(-5 (1 - clip(e, 0, L)/L)^2)`,
    /// 1 when L = 0, with e the 0-based epoch.
    case ramp(max: Double, epochs: Int)
    /// Linear from 0 at epoch 0 to `max` at epoch `epochs`, then constant.
    case linear(max: Double, epochs: Int)

    /// The weight during 0-based epoch `epoch`.
    public func value(epoch: Int) -> Double {
        switch self {
        case let .constant(w): return w
        case let .ramp(max, length):
            guard length > 0 else { return max }
            let t = 1 - Double(min(Swift.max(epoch, 0), length)) / Double(length)
            return max * _exp(-5 * t * t)
        case let .linear(max, length):
            guard length > 0 else { return max }
            return max * Double(min(Swift.max(epoch, 0), length)) / Double(length)
        }
    }
}

#if canImport(Glibc)
    import Glibc
    private func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
    import Foundation
    private func _exp(_ x: Double) -> Double { Foundation.exp(x) }
#endif
