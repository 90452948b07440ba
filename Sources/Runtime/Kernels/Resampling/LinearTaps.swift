/// One output position of 1-D linear interpolation: out = w0 * in[i0] + w1 * in[i1].
struct LinearTap: Sendable, Equatable {
    var i0: Int
    var i1: Int
    var w0: Float
    var w1: Float
}

/// PyTorch's source positions and weights for linear resampling along one axis
/// (`compute_source_index_and_lambda` in aten/src/ATen/native/UpSample.h), in float32
/// as PyTorch computes them for float tensors:
///
/// - align_corners true: source = dst * (in - 1) / (out - 1), 0 when out == 1, so the
///   corner samples of input and output coincide;
/// - align_corners false: source = (dst + 0.5) * in / out - 0.5, clamped at 0 (pixel
///   centres align; in / out equals 1 / s exactly for an integer scale s).
///
/// i0 = min(floor(source), in - 1), i1 = i0 + 1 (i0 at the last sample),
/// w1 = source - i0 clamped to [0, 1], w0 = 1 - w1; out == in copies (w0 = 1).
enum LinearTaps {
    static func taps(input: Int, output: Int, alignCorners: Bool) -> [LinearTap] {
        (0..<output).map { dst in
            if input == output { return LinearTap(i0: dst, i1: dst, w0: 1, w1: 0) }
            let source: Float
            if alignCorners {
                let ratio: Float = output > 1 ? Float(input - 1) / Float(output - 1) : 0
                source = ratio * Float(dst)
            } else {
                let ratio = Float(input) / Float(output)
                source = max(ratio * (Float(dst) + 0.5) - 0.5, 0)
            }
            let i0 = min(Int(source.rounded(.down)), input - 1)
            let w1 = min(max(source - Float(i0), 0), 1)
            return LinearTap(i0: i0, i1: i0 + (i0 < input - 1 ? 1 : 0), w0: 1 - w1, w1: w1)
        }
    }
}
