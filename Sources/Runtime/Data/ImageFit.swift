/// How an image of any size becomes the `size` x `size` square a data set holds
/// (`image_folder`'s `fit` param).
public enum ImageFit: String, ParamChoice {
    /// Bilinear resize to size x size; the aspect ratio is not kept.
    case resize
    /// The central size x size pixels; an image smaller than that is zero-padded.
    case centerCrop = "center_crop"
    /// Bilinear resize of the shorter side to `size` (the longer one to
    /// floor(size * long / short), keeping the aspect ratio), then the central
    /// size x size: torchvision's `Resize(size)` + `CenterCrop(size)`.
    case resizeCrop = "resize_crop"

    /// `image` made `size` x `size`, as 3 x size x size bytes (planar RGB, NCHW order).
    public func apply(_ image: RGBImage, size: Int) -> [UInt8] {
        precondition(size > 0, "size must be positive")
        switch self {
        case .resize:
            return image.resized(width: size, height: size).planar
        case .centerCrop:
            return image.centerCropped(size: size).planar
        case .resizeCrop:
            let (w, h) = (image.width, image.height)
            let scaled = w <= h ? (size, max(size, size * h / w)) : (max(size, size * w / h), size)
            return image.resized(width: scaled.0, height: scaled.1).centerCropped(size: size).planar
        }
    }
}

extension RGBImage {
    /// The pixels as 3 planes (all red, all green, all blue), each row-major.
    public var planar: [UInt8] {
        let plane = width * height
        var out = [UInt8](repeating: 0, count: 3 * plane)
        for p in 0..<plane {
            out[p] = pixels[3 * p]
            out[plane + p] = pixels[3 * p + 1]
            out[2 * plane + p] = pixels[3 * p + 2]
        }
        return out
    }

    /// The central `size` x `size` pixels. When the image is larger, the crop starts at
    /// ((height - size) / 2, (width - size) / 2) rounded down; when smaller, the image is
    /// placed at ((size - height) / 2, (size - width) / 2) rounded down on black, as
    /// `pad_to` places it (an odd difference puts the extra row and column at the bottom
    /// and right either way).
    public func centerCropped(size: Int) -> RGBImage {
        let top = height >= size ? (height - size) / 2 : -((size - height) / 2)
        let left = width >= size ? (width - size) / 2 : -((size - width) / 2)
        var out = [UInt8](repeating: 0, count: size * size * 3)
        for y in 0..<size {
            let sy = y + top
            guard sy >= 0 && sy < height else { continue }
            for x in 0..<size {
                let sx = x + left
                guard sx >= 0 && sx < width else { continue }
                for c in 0..<3 { out[(y * size + x) * 3 + c] = pixels[(sy * width + sx) * 3 + c] }
            }
        }
        return RGBImage(width: size, height: size, pixels: out)
    }

    /// The image resampled to `width` x `height` with a bilinear (triangle) filter on
    /// pixel centres, as PIL's `resize(..., BILINEAR)`: output pixel o of an axis sits at
    /// source coordinate (o + 0.5) * scale, scale = source / output, and averages the
    /// source pixels i whose centres i + 0.5 lie within s = max(scale, 1) of it, weighted
    /// 1 - |distance| / s and normalised over the pixels inside the image. Enlarging is
    /// plain bilinear interpolation (edges clamped); shrinking widens the filter, so
    /// every source pixel contributes (no aliasing). Rows, then columns; rounded once,
    /// to the nearest value.
    public func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "size must be positive")
        if newWidth == width && newHeight == height { return self }
        let horizontal = ResampleAxis(source: width, output: newWidth)
        let vertical = ResampleAxis(source: height, output: newHeight)
        // Rows first: height x newWidth x 3 values.
        var rows = [Double](repeating: 0, count: height * newWidth * 3)
        for y in 0..<height {
            for x in 0..<newWidth {
                var sum: (Double, Double, Double) = (0, 0, 0)
                for (i, w) in horizontal.taps(x) {
                    let p = (y * width + i) * 3
                    sum.0 += w * Double(pixels[p])
                    sum.1 += w * Double(pixels[p + 1])
                    sum.2 += w * Double(pixels[p + 2])
                }
                let q = (y * newWidth + x) * 3
                (rows[q], rows[q + 1], rows[q + 2]) = sum
            }
        }
        var out = [UInt8](repeating: 0, count: newHeight * newWidth * 3)
        for y in 0..<newHeight {
            let taps = vertical.taps(y)
            for x in 0..<newWidth {
                for c in 0..<3 {
                    var sum = 0.0
                    for (i, w) in taps { sum += w * rows[(i * newWidth + x) * 3 + c] }
                    out[(y * newWidth + x) * 3 + c] = UInt8(min(max(sum.rounded(), 0), 255))
                }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: out)
    }
}

/// The source pixels and weights of each output pixel along one axis of a resize.
struct ResampleAxis {
    private var first: [Int] = []
    private var weights: [[Double]] = []

    init(source: Int, output: Int) {
        let scale = Double(source) / Double(output)
        let support = max(scale, 1)
        for o in 0..<output {
            let centre = (Double(o) + 0.5) * scale
            let lo = max(0, Int((centre - support).rounded(.down)))
            let hi = min(source, Int((centre + support).rounded(.up)))
            var w = (lo..<hi).map { i in max(0, 1 - abs(Double(i) + 0.5 - centre) / support) }
            let total = w.reduce(0, +)
            w = w.map { $0 / total }
            first.append(lo)
            weights.append(w)
        }
    }

    /// (source index, weight) of output pixel `o`.
    func taps(_ o: Int) -> [(Int, Double)] { weights[o].enumerated().map { (first[o] + $0.offset, $0.element) } }
}
