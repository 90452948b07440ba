import CanopyRuntime
import Foundation
import Testing

/// `RandomResizedCrop` against torchvision's rules worked by hand: the fallback crop, the
/// bounds of drawn crops, the half-pixel bilinear source rows, and a loader whose every
/// output image is the bilinear resize of one crop of its input (found by trying all).
@Suite struct RandomResizedCropTests {
    @Test func noFittingDrawFallsBackToTheCentredCropClampedToTheRatio() {
        // A 4 x 100 image: every draw asks for a side of at least 5 rows (area >= 32,
        // ratio <= 4/3), so all 10 attempts fail; width / height = 25 > 4/3 gives
        // h = 4, w = round(4 * 4/3) = 5, centred: left = (100 - 5) / 2 = 47.
        for seed in 0..<50 as Range<UInt64> {
            var random = SeededRandom(seed: seed)
            #expect(RandomResizedCrop.draw(height: 4, width: 100, random: &random) == RandomResizedCrop(top: 0, left: 47, height: 4, width: 5))
        }
        // A tall 90 x 3 image: 3 / 90 < 3/4 gives w = 3, h = round(3 / (3/4)) = 4, top = 43.
        var random = SeededRandom(seed: 1)
        #expect(RandomResizedCrop.draw(height: 90, width: 3, random: &random) == RandomResizedCrop(top: 43, left: 0, height: 4, width: 3))
    }

    @Test func drawnCropsLieInsideTheImageWithinScaleAndRatio() {
        var areas: [Double] = []
        for seed in 0..<2000 as Range<UInt64> {
            var random = SeededRandom(seed: seed)
            let c = RandomResizedCrop.draw(height: 32, width: 32, random: &random)
            #expect(c.top >= 0 && c.left >= 0 && c.top + c.height <= 32 && c.left + c.width <= 32, "\(c)")
            #expect(c.height >= 1 && c.width >= 1)
            // w = round(sqrt(A r)), h = round(sqrt(A / r)) with r in [3/4, 4/3]: each side is
            // within half a pixel of its drawn value, which bounds the ratio both ways.
            #expect(Double(c.width) - 0.5 <= 4.0 / 3.0 * (Double(c.height) + 0.5), "\(c)")
            #expect(Double(c.width) + 0.5 >= 3.0 / 4.0 * (Double(c.height) - 0.5), "\(c)")
            areas.append(Double(c.width * c.height) / 1024)
            var again = SeededRandom(seed: seed)
            #expect(RandomResizedCrop.draw(height: 32, width: 32, random: &again) == c)
        }
        #expect(areas.min()! >= 0.05 && areas.max()! <= 1)
        // Area fraction uniform in [0.08, 1], draws that do not fit redrawn: torchvision's
        // rule simulated over 200,000 draws gives a mean of 0.490.
        let mean = areas.reduce(0, +) / Double(areas.count)
        #expect(abs(mean - 0.490) < 0.02, "mean area fraction \(mean)")
    }

    @Test func bilinearSourcesUseHalfPixelCentresAndClampAtTheEdges() {
        // 2 -> 4: sources (o + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (row 1 twice).
        let got = (0..<4).map { RandomResizedCrop.source($0, outSize: 4, inSize: 2, start: 3) }
        #expect(got.map(\.0) == [3, 3, 3, 4])
        #expect(got.map(\.1) == [4, 4, 4, 4])
        #expect(got.map(\.2) == [0, 0.25, 0.75, 0.25])
        // Pixels 0 and 100 resized to 4: 0, 25, 75, 100.
        let values = got.map { s in (s.0 == 3 ? 0 : 100) + s.2 * Float((s.1 == 3 ? 0 : 100) - (s.0 == 3 ? 0 : 100)) }
        #expect(values == [0, 25, 75, 100])
    }

    /// The bilinear resize of crop (top, left, h, w) of the 4x4 image `pixels` (/255) to 4x4.
    static func resized(_ pixels: [Float], top: Int, left: Int, h: Int, w: Int, flip: Bool) -> [Float] {
        func src(_ o: Int, _ n: Int) -> (Int, Int, Double) {
            let s = max(0, (Double(o) + 0.5) * Double(n) / 4 - 0.5)
            let i = min(Int(s.rounded(.down)), n - 1)
            return (i, min(i + 1, n - 1), s - Double(i))
        }
        var out: [Float] = []
        for y in 0..<4 {
            let (y0, y1, a) = src(y, h)
            for x in 0..<4 {
                let (x0, x1, b) = src(flip ? 3 - x : x, w)
                func p(_ r: Int, _ c: Int) -> Double { Double(pixels[(top + r) * 4 + left + c]) }
                let v = (1 - a) * ((1 - b) * p(y0, x0) + b * p(y0, x1)) + a * ((1 - b) * p(y1, x0) + b * p(y1, x1))
                out.append(Float(v))
            }
        }
        return out
    }

    @Test(arguments: [false, true])
    func loaderOutputsTheResizeOfOneCrop(flip: Bool) throws {
        let d = BatchLoaderTests.dataset(count: 16)
        let loader = try BatchLoader(
            dataset: d, batch: BatchConfig(batchSize: 16, shuffle: false),
            augmentation: AugmentationConfig(randomResizedCrop: true, horizontalFlip: flip, normalize: false), seed: 7)
        var crops = Set<[Int]>()
        for epoch in 0..<3 {
            let batch = BatchLoaderTests.batch(loader, epoch: epoch, step: 0)
            for i in 0..<16 {
                let image = d.images[(i * 16)..<(i * 16 + 16)].map { Float($0) / 255 }
                let got = Array(batch.x[(i * 16)..<(i * 16 + 16)])
                var match: [Int]?
                for h in 1...4 {
                    for w in 1...4 {
                        for top in 0...(4 - h) {
                            for left in 0...(4 - w) {
                                for f in flip ? [false, true] : [false] {
                                    let want = Self.resized(image, top: top, left: left, h: h, w: w, flip: f)
                                    if zip(want, got).allSatisfy({ abs($0 - $1) < 1e-5 }) { match = [top, left, h, w] }
                                }
                            }
                        }
                    }
                }
                let crop = try #require(match, "epoch \(epoch) image \(i): \(got) is no resized crop of \(image)")
                crops.insert(crop)
            }
        }
        #expect(crops.count > 5, "the crops vary: \(crops)")
    }
}
