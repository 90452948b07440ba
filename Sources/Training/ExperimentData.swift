import CanopyRuntime
import CanopySpecs

/// The data of an experiment: the loaded dataset with its splits, and the batch
/// loaders for training (seeded shuffle and augmentation, full batches), validation
/// and test (no augmentation, in order, last batch partial).
public struct ExperimentData {
    public let loaded: LoadedData
    public let train: BatchLoader
    public let validation: BatchLoader?
    public let test: BatchLoader

    public init(_ spec: ExperimentSpec) throws {
        let d = spec.data
        guard let name = DatasetConfig.Name(rawValue: d.dataset) else { throw TrainingError("unknown dataset '\(d.dataset)'") }
        var config = DatasetConfig(name: name, path: d.path, validation: d.validation, trainSubset: d.trainSubset)
        config.splitSeed = spec.seed
        if let s = d.synthetic {
            config.synthetic = SyntheticDataset.Config(
                trainCount: s.train, testCount: s.test, classCount: s.classes,
                channels: s.channels, size: s.size, seed: spec.seed)
        }
        loaded = try config.load()
        let augment = AugmentationConfig(padTo: d.padTo, randomCrop: d.cropPadding, horizontalFlip: d.flip, normalize: d.normalize)
        let plain = augment.deterministic
        train = try BatchLoader(
            dataset: loaded.train, indices: loaded.trainIndices,
            batch: BatchConfig(batchSize: d.batchSize, shuffle: true, dropLast: true, prefetch: true),
            augmentation: augment, seed: spec.seed)
        guard train.stepsPerEpoch > 0 else {
            throw TrainingError("\(loaded.trainIndices.count) training images make no full batch of \(d.batchSize)")
        }
        let evaluation = BatchConfig.evaluation(batchSize: d.batchSize)
        validation =
            loaded.validationIndices.isEmpty
            ? nil
            : try BatchLoader(
                dataset: loaded.train, indices: loaded.validationIndices, batch: evaluation,
                augmentation: plain, seed: spec.seed)
        let testSet = loaded.test
        let testIndices = try d.testSubset.map { try testSet.subset($0, seed: spec.seed) }
        test = try BatchLoader(dataset: testSet, indices: testIndices, batch: evaluation, augmentation: plain, seed: spec.seed)
    }
}

/// A training run that cannot go on, with the reason.
public struct TrainingError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
