import Foundation

/// Numerically stable softmax arithmetic over one contiguous row, shared by the
/// softmax-family, loss and attention kernels.
///
/// A row x of n floats at scale s (s = 1/T for a temperature T) has
/// softmax(s x)_j = exp(s x_j - m - log Z) with m = max_j s x_j and Z = sum_j exp(s x_j - m).
/// The exponentials are float32, the sum Z is accumulated in Double.
enum RowSoftmax {
    /// Tensors with at least this many elements have their rows split over threads
    /// (rows are independent, so any split gives the same result).
    static let parallelElements = 1 << 15

    /// The shift m and log Z of a row: softmax(s x)_j = exp(s x_j - shift - logSum),
    /// log softmax(s x)_j = s x_j - shift - logSum.
    struct Stats {
        var shift: Float
        var logSum: Float

        /// softmax(s x)_j for the element value `x`.
        @inline(__always) func probability(_ x: Float, scale: Float) -> Float {
            exp(x * scale - shift - logSum)
        }

        /// log softmax(s x)_j for the element value `x`.
        @inline(__always) func logProbability(_ x: Float, scale: Float) -> Float {
            (x * scale - shift) - logSum
        }
    }

    /// The statistics of the row `x[0..<n]` at scale `scale` (> 0).
    static func stats(_ x: UnsafePointer<Float>, count n: Int, scale: Float) -> Stats {
        var top = -Float.infinity
        for j in 0..<n { top = max(top, x[j]) }
        let shift = top * scale
        var sum = 0.0
        for j in 0..<n { sum += Double(exp(x[j] * scale - shift)) }
        return Stats(shift: shift, logSum: Float(log(sum)))
    }

    /// Writes softmax(scale * x) into `y` (which may be `x` itself).
    static func softmax(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int, scale: Float) {
        var top = -Float.infinity
        for j in 0..<n { top = max(top, x[j]) }
        let shift = top * scale
        var sum = 0.0
        for j in 0..<n {
            let e = exp(x[j] * scale - shift)
            y[j] = e
            sum += Double(e)
        }
        let inverse = Float(1 / sum)
        for j in 0..<n { y[j] *= inverse }
    }

    /// Writes log softmax(scale * x) into `y` (which may be `x` itself).
    static func logSoftmax(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int, scale: Float) {
        let s = stats(x, count: n, scale: scale)
        for j in 0..<n { y[j] = s.logProbability(x[j], scale: scale) }
    }
}
