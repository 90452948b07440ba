import CanopyRuntime
import CanopySpecs

/// Dataset plugin `synthetic`: a generated data set for tests and benchmarks (a seeded
/// grating per class plus uniform noise, see `SyntheticDataset`). Its params may also
/// be written as `data.synthetic: {...}`.
public struct SyntheticDatasetPlugin: DatasetPlugin {
    public struct Params: PluginParams {
        @Param("channels per image", .between(1, 64)) public var channels = 3
        @Param("image height and width in pixels", .between(4, 512)) public var size = 32
        @Param("number of classes", .between(2, 256)) public var classes = 10
        @Param("number of training images", .atLeast(1)) public var train = 512
        @Param("number of test images", .atLeast(1)) public var test = 256
        @Param("amplitude of the uniform pixel noise, in 0...255 pixel units", .atLeast(0)) public var noise = 48.0
        @Param("seed of the class patterns and the noise", .atLeast(0), shownDefault: "the run's seed")
        public var seed: Int? = nil
        public init() {}
    }

    public static let name = "synthetic"
    public static let summary = "generated images: a seeded sinusoidal grating per class plus uniform noise"

    public let params: Params
    public init(params: Params) { self.params = params }

    public var facts: DatasetFacts {
        DatasetFacts(
            channels: params.channels, size: params.size, classes: params.classes, trainCount: params.train,
            testCount: params.test)
    }

    public func load(_ context: DatasetContext) throws -> DatasetPair {
        let p = params
        let config = SyntheticDataset.Config(
            trainCount: p.train, testCount: p.test, classCount: p.classes, channels: p.channels,
            size: p.size, noise: p.noise, seed: p.seed.map { UInt64($0) } ?? context.seed)
        do { return try SyntheticDataset.make(config) } catch {
            throw DatasetError(path: "synthetic", .invalidConfig(error.description))
        }
    }
}
