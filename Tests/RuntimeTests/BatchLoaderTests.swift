import CanopyRuntime
import Testing

/// Batches from a `BatchLoader`: seeded order, crops, flips, padding and normalisation,
/// partial batches, and (seed, epoch, step) as the only inputs of a batch.
@Suite struct BatchLoaderTests {
    /// `count` single-channel h x w images whose pixels are all distinct within an image:
    /// image i, pixel (y, x) = 1 + y * w + x + i (mod 256), label i % classes.
    static func dataset(count: Int, channels: Int = 1, h: Int = 4, w: Int = 4, classes: Int = 3) -> Dataset {
        var images: [UInt8] = []
        for i in 0..<count {
            for c in 0..<channels {
                for p in 0..<(h * w) { images.append(UInt8((1 + p + i + 50 * c) % 256)) }
            }
        }
        return Dataset(
            name: "toy", source: "toy", images: images, labels: (0..<count).map { Int32($0 % classes) },
            channels: channels, height: h, width: w, classCount: classes,
            mean: [Float](repeating: 0.5, count: channels), std: [Float](repeating: 0.25, count: channels))
    }

    /// One batch as arrays.
    static func batch(_ loader: BatchLoader, epoch: Int, step: Int) -> (x: [Float], target: [Int32], rows: Int) {
        let x = TensorStorage(loader.inputSpec), t = TensorStorage(loader.targetSpec)
        let rows = loader.fill(epoch: epoch, step: step, x: x.tensor, target: t.tensor)
        return (x.tensor.toArray(), Array(t.tensor.ints), rows)
    }

    /// Pixel / 255 of every candidate crop (offsets -p...p) and flip of image `i` of
    /// `d`, by the obvious reference: pad the image with zeros, crop, flip.
    static func candidates(_ d: Dataset, image i: Int, padding p: Int) -> [[Float]] {
        let h = d.height, w = d.width
        var result: [[Float]] = []
        for dy in -p...p {
            for dx in -p...p {
                for flip in [false, true] {
                    var out: [Float] = []
                    for y in 0..<h {
                        for x in 0..<w {
                            let sy = y + dy, sx = (flip ? w - 1 - x : x) + dx
                            let inside = sy >= 0 && sy < h && sx >= 0 && sx < w
                            out.append(inside ? Float(d.images[i * h * w + sy * w + sx]) / 255 : 0)
                        }
                    }
                    result.append(out)
                }
            }
        }
        return result
    }

    @Test func sameSeedEpochAndStepGiveTheSameBatch() throws {
        let d = Self.dataset(count: 20)
        let config = BatchConfig(batchSize: 6)
        let a = try BatchLoader(dataset: d, batch: config, augmentation: .cifar, seed: 11)
        let b = try BatchLoader(dataset: d, batch: config, augmentation: .cifar, seed: 11)
        for epoch in 0..<3 {
            for step in 0..<a.stepsPerEpoch {
                let x = Self.batch(a, epoch: epoch, step: step), y = Self.batch(b, epoch: epoch, step: step)
                #expect(x.x == y.x && x.target == y.target)
            }
        }
        let c = try BatchLoader(dataset: d, batch: config, augmentation: .cifar, seed: 12)
        #expect(Self.batch(a, epoch: 0, step: 0).x != Self.batch(c, epoch: 0, step: 0).x)
        #expect(Self.batch(a, epoch: 0, step: 0).x != Self.batch(a, epoch: 1, step: 0).x)
    }

    @Test func epochOrderIsASeededPermutation() throws {
        let d = Self.dataset(count: 50)
        let loader = try BatchLoader(dataset: d, indices: Array(10..<40), batch: BatchConfig(batchSize: 8), seed: 3)
        let first = loader.order(epoch: 0), second = loader.order(epoch: 1)
        #expect(first.indices.sorted() == Array(10..<40) && second.indices.sorted() == Array(10..<40))
        #expect(first.indices != second.indices && first.indices != Array(10..<40))
        #expect(loader.order(epoch: 1) == second)
        let fixed = try BatchLoader(dataset: d, indices: Array(10..<40), batch: .evaluation(batchSize: 8), seed: 3)
        #expect(fixed.order(epoch: 5).indices == Array(10..<40))
        // Targets follow the order.
        let batch = Self.batch(loader, epoch: 1, step: 2)
        #expect(batch.target == second.indices[16..<24].map { Int32($0 % 3) })
    }

    @Test func cropsAndFlipsOfAHandMadeImage() throws {
        let d = Self.dataset(count: 1)
        let augmentation = AugmentationConfig(randomCrop: 2, horizontalFlip: true, normalize: false)
        let loader = try BatchLoader(dataset: d, batch: BatchConfig(batchSize: 1), augmentation: augmentation, seed: 5)
        let candidates = Self.candidates(d, image: 0, padding: 2)
        var seen = Set<Int>()
        var flips = 0
        for epoch in 0..<600 {
            let x = Self.batch(loader, epoch: epoch, step: 0).x
            let matches = candidates.indices.filter { candidates[$0] == x }
            #expect(matches.count == 1, "epoch \(epoch): \(x)")
            if let m = matches.first {
                seen.insert(m)
                if m % 2 == 1 { flips += 1 }
            }
        }
        // Every offset in -2...2 x -2...2, flipped or not, occurs; flips are about half.
        #expect(seen.count == candidates.count)
        #expect(flips > 240 && flips < 360, "\(flips) flips in 600")
    }

    @Test func explicitCropAndFlipGeometry() throws {
        // With padding 1, the output is one of the 18 candidates; check two of them by
        // hand: no shift and no flip is the image itself; flipped reverses each row.
        let d = Self.dataset(count: 1)
        let c = Self.candidates(d, image: 0, padding: 1)
        let image = d.images.map { Float($0) / 255 }
        #expect(c[8] == image)  // dy 0, dx 0, no flip
        #expect(c[9] == [4, 3, 2, 1, 8, 7, 6, 5, 12, 11, 10, 9, 16, 15, 14, 13].map { Float($0) / 255 })
        // dy -1, dx -1: shifted down-right, first row and column black.
        #expect(c[0] == [0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11].map { Float($0) / 255 })
    }

    @Test func augmentationDependsOnTheImageNotItsBatch() throws {
        // The same image in the same epoch is augmented identically whatever the batch size.
        let d = Self.dataset(count: 12)
        let small = try BatchLoader(dataset: d, batch: BatchConfig(batchSize: 1, shuffle: false), augmentation: .cifar, seed: 9)
        let large = try BatchLoader(dataset: d, batch: BatchConfig(batchSize: 4, shuffle: false), augmentation: .cifar, seed: 9)
        let x = Self.batch(large, epoch: 2, step: 1).x
        for r in 0..<4 {
            #expect(Array(x[(r * 16)..<((r + 1) * 16)]) == Self.batch(small, epoch: 2, step: 4 + r).x)
        }
    }

    @Test func normalizationPerChannel() throws {
        let d = Self.dataset(count: 2, channels: 3)
        let augmentation = AugmentationConfig(mean: [0.1, 0.2, 0.3], std: [0.5, 0.25, 2])
        let loader = try BatchLoader(dataset: d, batch: BatchConfig(batchSize: 2, shuffle: false), augmentation: augmentation)
        let x = Self.batch(loader, epoch: 0, step: 0).x
        let mean: [Double] = [0.1, 0.2, 0.3], std: [Double] = [0.5, 0.25, 2]
        for (k, value) in x.enumerated() {
            let c = k / 16 % 3
            let expected = (Double(d.images[k]) / 255 - mean[c]) / std[c]
            #expect(abs(Double(value) - expected) < 1e-6, "element \(k)")
        }
        // Without mean and std, the data set's (0.5, 0.25) apply; normalize: false gives pixel / 255.
        let defaults = try BatchLoader(dataset: d, batch: BatchConfig(batchSize: 2, shuffle: false))
        #expect(abs(Self.batch(defaults, epoch: 0, step: 0).x[0] - Float((1.0 / 255 - 0.5) / 0.25)) < 1e-6)
        let raw = try BatchLoader(
            dataset: d, batch: BatchConfig(batchSize: 2, shuffle: false),
            augmentation: AugmentationConfig(normalize: false))
        #expect(Self.batch(raw, epoch: 0, step: 0).x == d.images.map { Float($0) / 255 })
    }

    @Test func paddingTo32PutsTwoPixelsOnEachSide() throws {
        let d = Self.dataset(count: 1, h: 28, w: 28)
        let raw = try BatchLoader(
            dataset: d, batch: BatchConfig(batchSize: 1),
            augmentation: AugmentationConfig(padTo: 32, normalize: false))
        #expect(raw.inputSpec == TensorSpec([1, 1, 32, 32]))
        let x = Self.batch(raw, epoch: 0, step: 0).x
        for y in 0..<32 {
            for col in 0..<32 {
                let inside = (2..<30).contains(y) && (2..<30).contains(col)
                let expected = inside ? Float(d.images[(y - 2) * 28 + col - 2]) / 255 : 0
                #expect(x[y * 32 + col] == expected, "(\(y), \(col))")
            }
        }
        // Normalised, the padding is a normalised black pixel: -mean / std.
        let normalized = try BatchLoader(
            dataset: d, batch: BatchConfig(batchSize: 1),
            augmentation: AugmentationConfig(padTo: 32))
        let n = Self.batch(normalized, epoch: 0, step: 0).x
        #expect(n[0] == -2 && n[31 * 32 + 31] == -2 && n[2 * 32 + 2] == Float((1.0 / 255 - 0.5) / 0.25))
        // Padding comes before the random crop: crops of the padded 32x32 canvas.
        let cropped = try BatchLoader(
            dataset: d, batch: BatchConfig(batchSize: 1),
            augmentation: AugmentationConfig(padTo: 32, randomCrop: 4, normalize: false))
        var shifted = 0
        for epoch in 0..<20 {
            let c = Self.batch(cropped, epoch: epoch, step: 0).x
            // The image appears at some offset within 4 pixels of (2, 2).
            let offsets = (-2...6).flatMap { oy in (-2...6).map { (oy, $0) } }.filter { oy, ox in
                (0..<28).allSatisfy { y in
                    let ty = y + oy
                    return ty < 0 || ty >= 32
                        || (0..<28).allSatisfy { xx in
                            let tx = xx + ox
                            return tx < 0 || tx >= 32 || c[ty * 32 + tx] == Float(d.images[y * 28 + xx]) / 255
                        }
                }
            }
            #expect(!offsets.isEmpty)
            if !offsets.contains(where: { $0 == (2, 2) }) { shifted += 1 }
        }
        #expect(shifted > 0)
    }

    @Test func partialLastBatch() throws {
        let d = Self.dataset(count: 10)
        let eval = try BatchLoader(dataset: d, batch: .evaluation(batchSize: 4), augmentation: .cifar.deterministic)
        #expect(eval.stepsPerEpoch == 3)
        #expect((0..<3).map { eval.rows(step: $0) } == [4, 4, 2])
        let last = Self.batch(eval, epoch: 0, step: 2)
        #expect(last.rows == 2)
        #expect(last.target == [8 % 3, 9 % 3, 0, 0])
        #expect(last.x[32...].allSatisfy { $0 == 0 })
        #expect(last.x[..<32].allSatisfy { $0 != 0 })
        let train = try BatchLoader(dataset: d, batch: BatchConfig(batchSize: 4))
        #expect(train.stepsPerEpoch == 2)
        let kept = try BatchLoader(dataset: d, batch: BatchConfig(batchSize: 4, dropLast: false))
        #expect(kept.stepsPerEpoch == 3 && Self.batch(kept, epoch: 1, step: 2).rows == 2)
    }

    /// Training without drop_last: the partial last batch is completed with the epoch's
    /// first images (in the epoch's order), so every row is a real image.
    @Test func completedLastBatchRepeatsTheEpochsFirstImages() throws {
        let d = Self.dataset(count: 10)
        let config = BatchConfig(batchSize: 4, shuffle: false, dropLast: false, completeLast: true)
        let loader = try BatchLoader(dataset: d, batch: config, augmentation: .cifar.deterministic)
        #expect(loader.stepsPerEpoch == 3)
        #expect((0..<3).map { loader.rows(step: $0) } == [4, 4, 4])
        let last = Self.batch(loader, epoch: 0, step: 2), first = Self.batch(loader, epoch: 0, step: 0)
        #expect(last.rows == 4)
        #expect(last.target == [8 % 3, 9 % 3, 0, 1])
        #expect(Array(last.x[32...]) == Array(first.x[..<32]))
        let shuffled = try BatchLoader(dataset: d, batch: BatchConfig(batchSize: 4, dropLast: false, completeLast: true), seed: 5)
        let order = shuffled.order(epoch: 2)
        let x = TensorStorage(shuffled.inputSpec), t = TensorStorage(shuffled.targetSpec)
        #expect(shuffled.fill(step: 2, of: order, x: x.tensor, target: t.tensor) == 4)
        #expect(Array(t.tensor.ints) == [8, 9, 0, 1].map { d.labels[order.indices[$0]] })
    }

    @Test func invalidConfigurations() {
        let d = Self.dataset(count: 4, channels: 3, h: 28, w: 28)
        func failure(_ augmentation: AugmentationConfig, batch: BatchConfig = BatchConfig()) -> ParamError? {
            do {
                _ = try BatchLoader(dataset: d, batch: batch, augmentation: augmentation)
                return nil
            } catch { return error }
        }
        #expect(failure(AugmentationConfig(), batch: BatchConfig(batchSize: 0)) == ParamError(path: ["batch_size"], "must be >= 1, got 0"))
        #expect(failure(AugmentationConfig(padTo: 27)) == ParamError(path: ["pad_to"], "27 is smaller than the 28x28 images"))
        #expect(failure(AugmentationConfig(randomCrop: -1))?.path == ["random_crop"])
        #expect(failure(AugmentationConfig(mean: [0.5])) == ParamError(path: ["mean"], "needs one value per channel (3), got 1"))
        #expect(failure(AugmentationConfig(std: [1, 0, 1])) == ParamError(path: ["std", "1"], "must be > 0, got 0.0"))
        #expect(failure(AugmentationConfig(padTo: 32, randomCrop: 4, horizontalFlip: true)) == nil)
    }
}
