/// A loaded data set with its index sets: training draws from `trainIndices` of `train`,
/// validation evaluates `validationIndices` of `train` (empty without a split), and the
/// test set is `test`, whole.
public struct LoadedData: Sendable {
    public var train: Dataset
    public var test: Dataset
    public var trainIndices: [Int]
    public var validationIndices: [Int]

    public init(train: Dataset, test: Dataset, trainIndices: [Int], validationIndices: [Int]) {
        self.train = train
        self.test = test
        self.trainIndices = trainIndices
        self.validationIndices = validationIndices
    }

    /// `pair` carved up as the spec's `data:` asks: `validation` training images held out
    /// (0: none), then training on `trainSubset` of the rest (nil: all of it), both drawn
    /// with `splitSeed` and class-balanced when `stratified`. Throws when the training set
    /// is too small for the split or the subset.
    public init(
        _ pair: DatasetPair, validation: Int = 0, trainSubset: Int? = nil, stratified: Bool = true,
        splitSeed: UInt64 = 0
    ) throws(DatasetError) {
        let split = try pair.train.split(validation: validation, seed: splitSeed, stratified: stratified)
        var train = split.train
        if let k = trainSubset { train = try pair.train.subset(k, of: split.train, seed: splitSeed, stratified: stratified) }
        self.init(train: pair.train, test: pair.test, trainIndices: train, validationIndices: split.validation)
    }
}
