import CanopyRuntime
import CanopySpecs

/// Dataset plugin `fashion_mnist`: Fashion-MNIST's four IDX files (plain or gzipped),
/// 60000 training and 10000 test greyscale 28x28 images in 10 classes.
public struct FashionMNISTDataset: DatasetPlugin {
    public struct Params: PluginParams {
        @Param("directory of the four IDX files (Debian package dataset-fashion-mnist)")
        public var path = FashionMNIST.defaultDirectory
        public init() {}
    }

    public static let name = "fashion_mnist"
    public static let summary = "Fashion-MNIST: 1x28x28 greyscale clothing images in 10 classes (IDX files, plain or gzipped)"

    public let params: Params
    public init(params: Params) { self.params = params }

    public var facts: DatasetFacts { DatasetFacts(channels: 1, size: FashionMNIST.side, classes: 10, trainCount: 60000, testCount: 10000) }

    public func load(_ context: DatasetContext) throws -> DatasetPair { try FashionMNIST.load(directory: params.path) }
}

/// Dataset plugin `cifar10`: CIFAR-10's binary distribution (`cifar-10-batches-bin`).
public struct CIFAR10Dataset: DatasetPlugin {
    public struct Params: PluginParams {
        @Param("directory of data_batch_1.bin ... data_batch_5.bin and test_batch.bin")
        public var path = CIFAR10.defaultDirectory
        public init() {}
    }

    public static let name = "cifar10"
    public static let summary = "CIFAR-10: 3x32x32 colour images in 10 classes (the binary distribution)"

    public let params: Params
    public init(params: Params) { self.params = params }

    public var facts: DatasetFacts { DatasetFacts(channels: 3, size: 32, classes: 10, trainCount: 50000, testCount: 10000) }

    public func load(_ context: DatasetContext) throws -> DatasetPair { try CIFAR10.load(directory: params.path) }
}

/// Dataset plugin `cifar100`: CIFAR-100's binary distribution (`cifar-100-binary`),
/// with the fine labels.
public struct CIFAR100Dataset: DatasetPlugin {
    public struct Params: PluginParams {
        @Param("directory of train.bin and test.bin")
        public var path = CIFAR100.defaultDirectory
        public init() {}
    }

    public static let name = "cifar100"
    public static let summary = "CIFAR-100: 3x32x32 colour images in 100 fine classes (the binary distribution)"

    public let params: Params
    public init(params: Params) { self.params = params }

    public var facts: DatasetFacts { DatasetFacts(channels: 3, size: 32, classes: 100, trainCount: 50000, testCount: 10000) }

    public func load(_ context: DatasetContext) throws -> DatasetPair { try CIFAR100.load(directory: params.path) }
}
