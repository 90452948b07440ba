import Foundation

/// torchvision's `RandomResizedCrop(size = the image's own size, scale = (0.08, 1),
/// ratio = (3/4, 4/3))`: a random rectangle of the image, resized back to the image's
/// size by bilinear interpolation (half-pixel centres, `align_corners=False`, edges
/// clamped, as `torch.nn.functional.interpolate` on a tensor; no rounding to uint8). The
/// crop is never larger than the image, so the resize only enlarges and antialiasing
/// plays no part.
public struct RandomResizedCrop: Sendable, Equatable {
    /// Top row, left column, height and width of the crop, in image pixels.
    public var top: Int, left: Int, height: Int, width: Int

    public init(top: Int, left: Int, height: Int, width: Int) {
        (self.top, self.left, self.height, self.width) = (top, left, height, width)
    }

    public static let scale = (0.08, 1.0)
    public static let ratio = (3.0 / 4.0, 4.0 / 3.0)

    /// torchvision's `get_params`: up to 10 draws of an area fraction uniform in `scale`
    /// and an aspect ratio (width / height) log-uniform in `ratio`, the first that fits
    /// taken at a uniform position; otherwise the centred crop of the image clamped to
    /// `ratio`. Sizes round half to even, as Python's `round`.
    public static func draw(height h: Int, width w: Int, random: inout SeededRandom) -> RandomResizedCrop {
        let area = Double(h * w)
        let logRatio = (log(ratio.0), log(ratio.1))
        for _ in 0..<10 {
            let target = area * random.uniform(scale.0, scale.1)
            let aspect = exp(random.uniform(logRatio.0, logRatio.1))
            let cw = Int((target * aspect).squareRoot().rounded(.toNearestOrEven))
            let ch = Int((target / aspect).squareRoot().rounded(.toNearestOrEven))
            if cw > 0, cw <= w, ch > 0, ch <= h {
                let top = random.below(h - ch + 1), left = random.below(w - cw + 1)
                return RandomResizedCrop(top: top, left: left, height: ch, width: cw)
            }
        }
        let inRatio = Double(w) / Double(h)
        var cw = w, ch = h
        if inRatio < ratio.0 {
            ch = Int((Double(w) / ratio.0).rounded(.toNearestOrEven))
        } else if inRatio > ratio.1 {
            cw = Int((Double(h) * ratio.1).rounded(.toNearestOrEven))
        }
        return RandomResizedCrop(top: (h - ch) / 2, left: (w - cw) / 2, height: ch, width: cw)
    }

    /// The source coordinate pair of output index `o` of `outSize` over a crop of `inSize`
    /// starting at `start`: the two rows (or columns) and the weight of the second.
    @inline(__always)
    public static func source(_ o: Int, outSize: Int, inSize: Int, start: Int) -> (Int, Int, Float) {
        let s = max(0, (Double(o) + 0.5) * Double(inSize) / Double(outSize) - 0.5)
        let i0 = min(Int(s), inSize - 1), i1 = min(i0 + 1, inSize - 1)
        return (start + i0, start + i1, Float(s - Double(i0)))
    }
}
