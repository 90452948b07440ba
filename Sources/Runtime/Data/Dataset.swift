/// A labelled image data set held in memory: every image as UInt8 pixels in one
/// contiguous buffer laid out [count, channels, height, width] (NCHW, channel-planar),
/// one Int32 label per image, and the per-channel mean and standard deviation used to
/// normalise it (in units of pixel / 255, as torchvision's `Normalize` after `ToTensor`).
///
/// A data set is a value: train and test sets are two `Dataset`s; a validation split
/// (`split(validation:seed:)`) and a training subset (`subset(_:seed:)`) are index sets
/// into one, not copies, and a `BatchLoader` reads the images of an index set.
public struct Dataset: Sendable {
    /// A short name for reports, e.g. "fashion_mnist/train".
    public var name: String
    /// Where the data came from (a directory, or "synthetic"); named in errors.
    public var source: String
    /// count * channels * height * width pixels, NCHW.
    public var images: [UInt8]
    /// One label per image, in 0..<classCount.
    public var labels: [Int32]
    public var channels: Int
    public var height: Int
    public var width: Int
    /// The number of classes (labels lie in 0..<classCount).
    public var classCount: Int
    /// Human-readable class names, one per class.
    public var classNames: [String]
    /// Default per-channel mean for normalisation, in pixel / 255 units.
    public var mean: [Float]
    /// Default per-channel standard deviation for normalisation, in pixel / 255 units.
    public var std: [Float]

    /// A data set from its parts. The sizes must agree (a programming error traps); file
    /// loaders check the data they read and throw `DatasetError`s before building one.
    public init(
        name: String, source: String, images: [UInt8], labels: [Int32], channels: Int, height: Int,
        width: Int, classCount: Int, classNames: [String]? = nil, mean: [Float], std: [Float]
    ) {
        precondition(channels > 0 && height > 0 && width > 0, "image dimensions must be positive")
        precondition(
            images.count == labels.count * channels * height * width,
            "\(images.count) pixels for \(labels.count) images of \(channels)x\(height)x\(width)")
        precondition(mean.count == channels && std.count == channels, "mean and std need one value per channel")
        precondition(classCount > 0 && (classNames?.count ?? classCount) == classCount, "one class name per class")
        self.name = name
        self.source = source
        self.images = images
        self.labels = labels
        self.channels = channels
        self.height = height
        self.width = width
        self.classCount = classCount
        self.classNames = classNames ?? (0..<classCount).map { "class \($0)" }
        self.mean = mean
        self.std = std
    }

    /// The number of images.
    public var count: Int { labels.count }
    /// Pixels per image (channels * height * width).
    public var imageSize: Int { channels * height * width }
    /// Every index, 0..<count.
    public var allIndices: [Int] { Array(0..<count) }

    /// How many images of each class `indices` (all by default) hold.
    public func classCounts(of indices: [Int]? = nil) -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        if let indices {
            for i in indices { counts[Int(labels[i])] += 1 }
        } else {
            for l in labels { counts[Int(l)] += 1 }
        }
        return counts
    }

    /// The per-channel mean and (population) standard deviation of the pixels of
    /// `indices` (all by default), in pixel / 255 units: the values to normalise with.
    public func channelStatistics(of indices: [Int]? = nil) -> (mean: [Double], std: [Double]) {
        let plane = height * width
        var sum = [Double](repeating: 0, count: channels), squares = sum
        var n = 0
        images.withUnsafeBufferPointer { pixels in
            func add(_ i: Int) {
                for c in 0..<channels {
                    var s = 0, q = 0
                    let base = i * imageSize + c * plane
                    for k in base..<(base + plane) {
                        let p = Int(pixels[k])
                        s += p
                        q += p * p
                    }
                    sum[c] += Double(s)
                    squares[c] += Double(q)
                }
                n += 1
            }
            if let indices { indices.forEach(add) } else { (0..<count).forEach(add) }
        }
        let total = Double(max(n * plane, 1))
        let mean = sum.map { $0 / total / 255 }
        let std = zip(squares, mean).map { q, m in max(q / total / (255 * 255) - m * m, 0).squareRoot() }
        return (mean, std)
    }
}

/// A training set and a test set loaded together.
public struct DatasetPair: Sendable {
    public var train: Dataset
    public var test: Dataset

    public init(train: Dataset, test: Dataset) {
        self.train = train
        self.test = test
    }
}
