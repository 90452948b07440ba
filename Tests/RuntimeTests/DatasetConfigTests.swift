import CanopyRuntime
import Testing

/// The data configuration structs: decoding from params, documentation, validation and
/// loading.
@Suite struct DatasetConfigTests {
    /// The keys of a params object.
    static func keys(_ docs: [ParameterDoc]) -> [String] { docs.map(\.name) }

    @Test func decodesWithDefaults() throws {
        let config = try ParamDecoder.decode(DatasetConfig.self, from: .object([("name", .string("cifar100"))]))
        #expect(config == DatasetConfig(name: .cifar100))
        let full = try ParamDecoder.decode(
            DatasetConfig.self,
            from: .object([
                ("name", .string("synthetic")), ("validation", .int(16)), ("train_subset", .int(32)),
                ("stratified", .bool(false)), ("split_seed", .int(3)),
                ("synthetic", .object([("train", .int(64)), ("classes", .int(4)), ("size", .int(8))])),
            ]))
        #expect(
            full
                == DatasetConfig(
                    name: .synthetic, validation: 16, trainSubset: 32, stratified: false, splitSeed: 3,
                    synthetic: SyntheticDataset.Config(trainCount: 64, classCount: 4, size: 8)))
        let augmentation = try ParamDecoder.decode(
            AugmentationConfig.self,
            from: .object([
                ("pad_to", .int(32)), ("random_crop", .int(4)), ("horizontal_flip", .bool(true)),
                ("mean", .array([.double(0.5)])), ("std", .array([.double(0.25)])),
            ]))
        #expect(augmentation == AugmentationConfig(padTo: 32, randomCrop: 4, horizontalFlip: true, mean: [0.5], std: [0.25]))
        let batch = try ParamDecoder.decode(BatchConfig.self, from: .object([("batch_size", .int(64)), ("drop_last", .bool(false))]))
        #expect(batch == BatchConfig(batchSize: 64, dropLast: false))
    }

    @Test func unknownKeysAndValuesAreRejected() {
        #expect(throws: ParamErrors.self) {
            try ParamDecoder.decode(DatasetConfig.self, from: .object([("name", .string("cifar10")), ("validaton", .int(1))]))
        }
        #expect(throws: ParamErrors.self) {
            try ParamDecoder.decode(DatasetConfig.self, from: .object([("name", .string("imagenet"))]))
        }
        #expect(throws: ParamErrors.self) {
            try ParamDecoder.decode(AugmentationConfig.self, from: .object([("flip", .bool(true))]))
        }
    }

    @Test func everyKeyIsDocumented() {
        #expect(
            Self.keys(DatasetConfig.parameters)
                == ["name", "path", "validation", "train_subset", "stratified", "split_seed", "synthetic"])
        #expect(
            Self.keys(SyntheticDataset.Config.parameters)
                == ["train", "test", "classes", "channels", "size", "noise", "seed"])
        #expect(
            Self.keys(AugmentationConfig.parameters)
                == ["pad_to", "random_crop", "horizontal_flip", "normalize", "mean", "std"])
        #expect(Self.keys(BatchConfig.parameters) == ["batch_size", "shuffle", "drop_last", "prefetch"])
        for doc in DatasetConfig.parameters + SyntheticDataset.Config.parameters + AugmentationConfig.parameters
            + BatchConfig.parameters
        {
            #expect(!doc.doc.isEmpty && !doc.type.isEmpty, "\(doc.name)")
        }
    }

    @Test func validation() {
        func failure(_ config: DatasetConfig) -> ParamError? {
            do {
                try config.validate()
                return nil
            } catch { return error }
        }
        #expect(failure(DatasetConfig(name: .cifar10, validation: -1)) == ParamError(path: ["validation"], "must be >= 0, got -1"))
        #expect(failure(DatasetConfig(name: .cifar10, trainSubset: 0))?.path == ["train_subset"])
        #expect(failure(DatasetConfig(name: .synthetic, path: "/x"))?.path == ["path"])
        var synthetic = SyntheticDataset.Config()
        synthetic.channels = 0
        #expect(failure(DatasetConfig(name: .synthetic, synthetic: synthetic))?.path == ["synthetic", "channels"])
        #expect(throws: DatasetError(path: "synthetic", .invalidConfig("synthetic.channels: must be >= 1, got 0"))) {
            try DatasetConfig(name: .synthetic, synthetic: synthetic).load()
        }
    }

    @Test func loadsSplitsAndSubsets() throws {
        let synthetic = SyntheticDataset.Config(trainCount: 100, testCount: 20, classCount: 5, size: 4)
        let data = try DatasetConfig(name: .synthetic, validation: 20, trainSubset: 50, synthetic: synthetic).load()
        #expect(data.train.count == 100 && data.test.count == 20)
        #expect(data.validationIndices.count == 20 && data.trainIndices.count == 50)
        #expect(Set(data.trainIndices).isDisjoint(with: data.validationIndices))
        #expect(data.train.classCounts(of: data.trainIndices) == [10, 10, 10, 10, 10])
        let whole = try DatasetConfig(name: .synthetic, synthetic: synthetic).load()
        #expect(whole.trainIndices == Array(0..<100) && whole.validationIndices.isEmpty)
        #expect(throws: DatasetError.self) {
            try DatasetConfig(name: .synthetic, validation: 101, synthetic: synthetic).load()
        }
        #expect(throws: DatasetError(path: "/nonexistent-canopy", .directoryNotFound(expected: CIFAR100.fileNames))) {
            try DatasetConfig(name: .cifar100, path: "/nonexistent-canopy").load()
        }
    }
}
