#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A tiny generated data set for tests and benchmarks: each class has its own seeded
/// pattern (a sinusoidal grating per channel, with random frequencies and phase) and
/// every image is its class's pattern plus uniform pixel noise. Labels cycle through the
/// classes, so every class is equally represented. Fast to build and easy to learn.
public enum SyntheticDataset {
    /// The generator's settings (the `synthetic` dataset plugin's params).
    public struct Config: Sendable, Equatable {
        public var trainCount: Int
        public var testCount: Int
        public var classCount: Int
        public var channels: Int
        public var size: Int
        public var noise: Double
        public var seed: UInt64

        public init(
            trainCount: Int = 512, testCount: Int = 128, classCount: Int = 10, channels: Int = 3,
            size: Int = 32, noise: Double = 48, seed: UInt64 = 0
        ) {
            self.trainCount = trainCount
            self.testCount = testCount
            self.classCount = classCount
            self.channels = channels
            self.size = size
            self.noise = noise
            self.seed = seed
        }

        /// Throws a `ParamError` naming the first key with an impossible value.
        public func validate() throws(ParamError) {
            for (key, value, least) in [
                ("train", trainCount, 1), ("test", testCount, 1), ("classes", classCount, 1),
                ("channels", channels, 1), ("size", size, 1),
            ] where value < least {
                throw ParamError(path: [key], "must be >= \(least), got \(value)")
            }
            guard classCount <= 256 else { throw ParamError(path: ["classes"], "must be <= 256, got \(classCount)") }
            guard noise >= 0 else { throw ParamError(path: ["noise"], "must be >= 0, got \(noise)") }
        }
    }

    /// Generates the training and test sets of `config`.
    public static func make(_ config: Config) throws(ParamError) -> DatasetPair {
        try config.validate()
        let side = config.size, plane = side * side
        // One grating per class and channel: 128 + 80 sin(2 pi (fx x + fy y) / side + phase).
        var patterns = [Double](repeating: 0, count: config.classCount * config.channels * plane)
        for k in 0..<config.classCount {
            var random = SeededRandom(seed: config.seed, stream: "synthetic.class.\(k)")
            for c in 0..<config.channels {
                let fx = Double(random.below(4)), fy = Double(1 + random.below(3))
                let phase = random.uniform(0, 2 * Double.pi)
                let base = (k * config.channels + c) * plane
                for y in 0..<side {
                    for x in 0..<side {
                        let angle = 2 * Double.pi * (fx * Double(x) + fy * Double(y)) / Double(side) + phase
                        patterns[base + y * side + x] = 128 + 80 * sin(angle)
                    }
                }
            }
        }
        func part(_ count: Int, _ split: String) -> Dataset {
            var random = SeededRandom(seed: config.seed, stream: "synthetic.\(split)")
            let imageSize = config.channels * plane
            var images = [UInt8](repeating: 0, count: count * imageSize)
            var labels = [Int32](repeating: 0, count: count)
            for i in 0..<count {
                let k = i % config.classCount
                labels[i] = Int32(k)
                for p in 0..<imageSize {
                    let value = patterns[k * imageSize + p] + random.uniform(-config.noise, config.noise)
                    images[i * imageSize + p] = UInt8(min(max(value.rounded(), 0), 255))
                }
            }
            return Dataset(
                name: "synthetic/\(split)", source: "synthetic", images: images, labels: labels,
                channels: config.channels, height: side, width: side, classCount: config.classCount,
                mean: [Float](repeating: 0.5, count: config.channels),
                std: [Float](repeating: 0.25, count: config.channels))
        }
        var train = part(config.trainCount, "train")
        let stats = train.channelStatistics()
        train.mean = stats.mean.map { Float($0) }
        train.std = stats.std.map { Float(max($0, 1e-3)) }
        var test = part(config.testCount, "test")
        test.mean = train.mean
        test.std = train.std
        return DatasetPair(train: train, test: test)
    }
}
