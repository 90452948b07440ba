/// Turns images of a data set into float32 batches for a plan's inputs: x [B, C, H', W']
/// (NCHW) and target [B] int32, with seeded shuffling and augmentation.
///
/// A batch is a pure function of (seed, epoch, step) given the data, the index set and
/// the configuration: the epoch's order comes from (seed, epoch), and each image's crop
/// offset and flip from (seed, epoch, dataset index). Thread timing, prefetching and
/// resuming mid-run therefore never change what a step sees.
///
/// Valid rows and padding rows: a batch fills rows 0..<rows with images; when an epoch's
/// last batch is partial (`drop_last: false`), rows rows..<B are padding, set to x = 0
/// and target = 0 (a valid class, so no kernel rejects it). The caller must ignore their
/// outputs: count only the first `rows` predictions in metrics. Padding rows cannot
/// change the valid rows' outputs in an evaluation plan, where batch normalisation uses
/// running statistics; a training plan should use `drop_last: true`.
public struct BatchLoader: Sendable {
    /// The images drawn from.
    public let dataset: Dataset
    /// The dataset indices this loader visits each epoch (e.g. a training split).
    public let indices: [Int]
    public let batch: BatchConfig
    public let augmentation: AugmentationConfig
    /// The run seed that fixes every epoch's order and every augmentation draw.
    public let seed: UInt64
    /// Output image size (the padded size when `pad_to` is set).
    public let outputHeight: Int
    public let outputWidth: Int
    /// For each channel, the float value of each of the 256 pixel values.
    private let table: [Float]
    private let orderKey: UInt64
    private let augmentKey: UInt64

    /// A loader over `indices` of `dataset` (all of it by default). Throws a `ParamError`
    /// when the configuration does not fit the data (an index out of range is a
    /// programming error and traps).
    public init(
        dataset: Dataset, indices: [Int]? = nil, batch: BatchConfig,
        augmentation: AugmentationConfig = AugmentationConfig(), seed: UInt64 = 0
    ) throws(ParamError) {
        try batch.validate()
        try augmentation.validate(channels: dataset.channels, height: dataset.height, width: dataset.width)
        let indices = indices ?? dataset.allIndices
        precondition(indices.allSatisfy { $0 >= 0 && $0 < dataset.count }, "an index lies outside \(dataset.name)")
        self.dataset = dataset
        self.indices = indices
        self.batch = batch
        self.augmentation = augmentation
        self.seed = seed
        outputHeight = augmentation.padTo ?? dataset.height
        outputWidth = augmentation.padTo ?? dataset.width
        let mean = augmentation.mean ?? dataset.mean, std = augmentation.std ?? dataset.std
        var table = [Float](repeating: 0, count: dataset.channels * 256)
        for c in 0..<dataset.channels {
            for p in 0..<256 {
                let unit = Double(p) / 255
                table[c * 256 + p] = Float(augmentation.normalize ? (unit - Double(mean[c])) / Double(std[c]) : unit)
            }
        }
        self.table = table
        var keys = SeededRandom(seed: seed, stream: "data.order")
        orderKey = keys.next()
        keys = SeededRandom(seed: seed, stream: "data.augment")
        augmentKey = keys.next()
    }

    /// The spec of the x input: [batch_size, channels, height', width'] float32.
    public var inputSpec: TensorSpec {
        TensorSpec([batch.batchSize, dataset.channels, outputHeight, outputWidth])
    }

    /// The spec of the target input: [batch_size] int32.
    public var targetSpec: TensorSpec { TensorSpec([batch.batchSize], .int32) }

    /// Batches per epoch: images / batch_size, rounded down with `drop_last`, up without.
    public var stepsPerEpoch: Int {
        let b = batch.batchSize
        return batch.dropLast ? indices.count / b : (indices.count + b - 1) / b
    }

    /// The number of valid rows (images) in batch `step` of an epoch.
    public func rows(step: Int) -> Int {
        batch.completeLast && step < stepsPerEpoch ? batch.batchSize : max(0, min(batch.batchSize, indices.count - step * batch.batchSize))
    }

    /// The order in which epoch `epoch` visits the images: `indices` shuffled by
    /// (seed, epoch), or as given without `shuffle`.
    public func order(epoch: Int) -> EpochOrder {
        var order = indices
        if batch.shuffle {
            var random = SeededRandom(seed: Self.mix(orderKey, UInt64(bitPattern: Int64(epoch))))
            order.seededShuffle(using: &random)
        }
        return EpochOrder(epoch: epoch, indices: order)
    }

    /// Writes batch `step` of `order`'s epoch into `x` and `target` and returns its number
    /// of valid rows; padding rows (a partial last batch) get x = 0 and target = 0, or with
    /// `completeLast` the epoch's first images (every row valid). The
    /// tensors must have `inputSpec` and `targetSpec`. Allocates nothing.
    @discardableResult
    public func fill(step: Int, of order: EpochOrder, x: Tensor, target: Tensor) -> Int {
        precondition(x.spec == inputSpec, "x is \(x.spec), the loader produces \(inputSpec)")
        precondition(target.spec == targetSpec, "target is \(target.spec), the loader produces \(targetSpec)")
        precondition(order.indices.count == indices.count, "an order of another loader")
        precondition(step >= 0 && step < stepsPerEpoch, "step \(step) outside 0..<\(stepsPerEpoch)")
        let b = batch.batchSize, rows = rows(step: step)
        let outSize = dataset.channels * outputHeight * outputWidth
        dataset.images.withUnsafeBufferPointer { pixels in
            table.withUnsafeBufferPointer { table in
                for r in 0..<rows {
                    let index = order.indices[(step * b + r) % indices.count]
                    write(
                        index, epoch: order.epoch, pixels: pixels.baseAddress!, table: table.baseAddress!,
                        to: x.f + r * outSize)
                    target.i[r] = dataset.labels[index]
                }
            }
        }
        if rows < b {
            (x.f + rows * outSize).initialize(repeating: 0, count: (b - rows) * outSize)
            (target.i + rows).initialize(repeating: 0, count: b - rows)
        }
        return rows
    }

    /// Writes batch `step` of epoch `epoch` (computing the epoch's order: one allocation).
    @discardableResult
    public func fill(epoch: Int, step: Int, x: Tensor, target: Tensor) -> Int {
        fill(step: step, of: order(epoch: epoch), x: x, target: target)
    }

    /// Writes image `index` of the data set, augmented for `epoch`, as C x H' x W' floats.
    private func write(
        _ index: Int, epoch: Int, pixels: UnsafePointer<UInt8>, table: UnsafePointer<Float>,
        to out: UnsafeMutablePointer<Float>
    ) {
        let h = dataset.height, w = dataset.width, oh = outputHeight, ow = outputWidth
        // Output (y, x) reads the source pixel (y + dy - top, x' + dx - left), where x' is x
        // or, flipped, ow - 1 - x; (top, left) places the image inside the pad_to canvas.
        var dy = 0, dx = 0, flip = false
        if augmentation.isRandom {
            var random = SeededRandom(seed: Self.mix(Self.mix(augmentKey, UInt64(bitPattern: Int64(epoch))), UInt64(index)))
            if augmentation.randomResizedCrop {
                let crop = RandomResizedCrop.draw(height: oh, width: ow, random: &random)
                flip = augmentation.horizontalFlip && random.next() >> 63 == 1
                return writeResized(index, crop: crop, flip: flip, pixels: pixels, table: table, to: out)
            }
            let p = augmentation.randomCrop
            if p > 0 {
                dy = random.below(2 * p + 1) - p
                dx = random.below(2 * p + 1) - p
            }
            if augmentation.horizontalFlip { flip = random.next() >> 63 == 1 }
        }
        let top = (oh - h) / 2, left = (ow - w) / 2
        // Source column = base + step * x for x in 0..<ow; the columns inside the image.
        let base = flip ? ow - 1 + dx - left : dx - left
        let lo = flip ? max(0, base - w + 1) : max(0, -base)
        let hi = max(lo, flip ? min(ow, base + 1) : min(ow, w - base))
        for c in 0..<dataset.channels {
            let lut = table + c * 256, black = lut[0]
            for y in 0..<oh {
                let row = out + (c * oh + y) * ow
                let sy = y + dy - top
                guard sy >= 0, sy < h else {
                    row.initialize(repeating: black, count: ow)
                    continue
                }
                let src = pixels + (index * dataset.channels + c) * h * w + sy * w
                for x in 0..<lo { row[x] = black }
                if flip {
                    for x in lo..<hi { row[x] = lut[Int(src[base - x])] }
                } else {
                    for x in lo..<hi { row[x] = lut[Int(src[base + x])] }
                }
                for x in hi..<ow { row[x] = black }
            }
        }
    }

    /// Writes image `index` on its canvas (`padTo`), cropped to `crop` and resized back to
    /// the canvas by bilinear interpolation, then flipped when `flip`: the `RandomResizedCrop`
    /// path of `write`. Normalisation is affine, so interpolating normalised pixels equals
    /// normalising interpolated ones.
    private func writeResized(
        _ index: Int, crop: RandomResizedCrop, flip: Bool, pixels: UnsafePointer<UInt8>, table: UnsafePointer<Float>,
        to out: UnsafeMutablePointer<Float>
    ) {
        let h = dataset.height, w = dataset.width, oh = outputHeight, ow = outputWidth
        let top = (oh - h) / 2, left = (ow - w) / 2
        for c in 0..<dataset.channels {
            let lut = table + c * 256, image = pixels + (index * dataset.channels + c) * h * w
            /// The normalised canvas pixel (y, x): the image's, or black outside it.
            func canvas(_ y: Int, _ x: Int) -> Float {
                let sy = y - top, sx = x - left
                return sy >= 0 && sy < h && sx >= 0 && sx < w ? lut[Int(image[sy * w + sx])] : lut[0]
            }
            for y in 0..<oh {
                let (y0, y1, wy) = RandomResizedCrop.source(y, outSize: oh, inSize: crop.height, start: crop.top)
                let row = out + (c * oh + y) * ow
                for x in 0..<ow {
                    let (x0, x1, wx) = RandomResizedCrop.source(flip ? ow - 1 - x : x, outSize: ow, inSize: crop.width, start: crop.left)
                    let upper = canvas(y0, x0) + wx * (canvas(y0, x1) - canvas(y0, x0))
                    let lower = canvas(y1, x0) + wx * (canvas(y1, x1) - canvas(y1, x0))
                    row[x] = upper + wy * (lower - upper)
                }
            }
        }
    }

    /// A well-mixed key for the pair (a, b): distinct b give distinct keys for a fixed a.
    private static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var random = SeededRandom(seed: a ^ (b &* 0x9E37_79B9_7F4A_7C15))
        return random.next()
    }
}

/// The order of one epoch: dataset indices, `BatchLoader.batch.batchSize` per step.
public struct EpochOrder: Sendable, Equatable {
    public let epoch: Int
    public let indices: [Int]

    public init(epoch: Int, indices: [Int]) {
        self.epoch = epoch
        self.indices = indices
    }
}
