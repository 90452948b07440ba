/// The allowed range of a number read from a spec, with a phrase for messages
/// ("at least 1", "greater than 0", "between 0 and 1").
public struct Bounds<Bound: Comparable> {
    public var lower: Bound?
    public var lowerInclusive: Bool
    public var upper: Bound?
    public var upperInclusive: Bool

    public init(lower: Bound? = nil, lowerInclusive: Bool = true, upper: Bound? = nil, upperInclusive: Bool = true) {
        self.lower = lower
        self.lowerInclusive = lowerInclusive
        self.upper = upper
        self.upperInclusive = upperInclusive
    }

    /// Values strictly greater than `x` (`temperature: .above(0)`).
    public static func above(_ x: Bound) -> Bounds { Bounds(lower: x, lowerInclusive: false) }

    /// Values strictly less than `x`.
    public static func below(_ x: Bound) -> Bounds { Bounds(upper: x, upperInclusive: false) }

    public func contains(_ x: Bound) -> Bool {
        if let lower, lowerInclusive ? x < lower : x <= lower { return false }
        if let upper, upperInclusive ? x > upper : x >= upper { return false }
        return true
    }

    /// What the bounds require, e.g. "at least 1" or "greater than 0 and at most 1".
    public var requirement: String {
        let low = lower.map { (lowerInclusive ? "at least " : "greater than ") + "\($0)" }
        let high = upper.map { (upperInclusive ? "at most " : "less than ") + "\($0)" }
        if let lower, let upper, lowerInclusive, upperInclusive { return "between \(lower) and \(upper)" }
        return [low, high].compactMap { $0 }.joined(separator: " and ")
    }
}

/// Anything that gives `Bounds`: Swift's range types (`1...`, `0...1`, `..<10`) and
/// `Bounds` itself, so readers take `range: 1...` as well as `range: Bounds.above(0)`.
public protocol BoundsExpression<Bound> {
    associatedtype Bound: Comparable
    var bounds: Bounds<Bound> { get }
}

extension Bounds: Sendable where Bound: Sendable {}

extension Bounds: BoundsExpression {
    public var bounds: Bounds<Bound> { self }
}

extension ClosedRange: BoundsExpression {
    public var bounds: Bounds<Bound> { Bounds(lower: lowerBound, upper: upperBound) }
}

extension Range: BoundsExpression {
    public var bounds: Bounds<Bound> { Bounds(lower: lowerBound, upper: upperBound, upperInclusive: false) }
}

extension PartialRangeFrom: BoundsExpression {
    public var bounds: Bounds<Bound> { Bounds(lower: lowerBound) }
}

extension PartialRangeThrough: BoundsExpression {
    public var bounds: Bounds<Bound> { Bounds(upper: upperBound) }
}

extension PartialRangeUpTo: BoundsExpression {
    public var bounds: Bounds<Bound> { Bounds(upper: upperBound, upperInclusive: false) }
}
