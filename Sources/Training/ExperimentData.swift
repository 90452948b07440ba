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

    /// Loads the data of a compiled spec (whose `data.plugin` the compiler set) and
    /// carves out the validation split and training subset, drawn with the run's seed.
    /// Throws the dataset's error (naming the file at fault), or a `TrainingError` when
    /// the loaded images do not match what the plugin stated at compile time.
    public init(_ spec: ExperimentSpec) throws {
        let d = spec.data
        guard let plugin = d.plugin else {
            throw TrainingError("dataset '\(d.dataset)' has not been resolved: load data for a compiled spec")
        }
        let pair = try plugin.load(DatasetContext(seed: spec.seed, threads: spec.train.threads))
        if let problem = plugin.facts.mismatch(pair) { throw TrainingError("dataset '\(d.dataset)': \(problem)") }
        loaded = try LoadedData(pair, validation: d.validation, trainSubset: d.trainSubset, splitSeed: spec.seed)
        let augment = AugmentationConfig(
            padTo: d.padTo, randomCrop: d.cropPadding, randomResizedCrop: d.randomResizedCrop, horizontalFlip: d.flip,
            normalize: d.normalize)
        let plain = augment.deterministic
        train = try BatchLoader(
            dataset: loaded.train, indices: loaded.trainIndices,
            batch: BatchConfig(batchSize: d.batchSize, shuffle: true, dropLast: d.dropLast, prefetch: true, completeLast: true),
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
