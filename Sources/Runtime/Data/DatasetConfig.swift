/// Which data set to load and how to carve it up: the spec's `data:` section without the
/// augmentation, e.g. `{name: cifar100, path: data/cifar-100-binary, validation: 5000}`.
///
/// The held-out split and the training subset are drawn with `split_seed`, not the
/// run's seed, so every run of a suite evaluates on the same held-out images.
public struct DatasetConfig: Decodable, Sendable, Equatable {
    /// The data sets Canopy reads.
    public enum Name: String, ParamChoice {
        case fashionMNIST = "fashion_mnist"
        case cifar10
        case cifar100
        case synthetic
    }

    public var name: Name
    /// The directory of the data set's files; nil for its default directory.
    public var path: String?
    /// Training images held out as a validation set (0: none).
    public var validation: Int
    /// Train on this many images of what remains after the validation split (nil: all).
    public var trainSubset: Int?
    /// Keep class proportions in the validation split and the subset.
    public var stratified: Bool
    /// Seed of the validation split and the subset.
    public var splitSeed: UInt64
    /// The generator's settings when `name` is `synthetic`.
    public var synthetic: SyntheticDataset.Config

    public init(
        name: Name, path: String? = nil, validation: Int = 0, trainSubset: Int? = nil, stratified: Bool = true,
        splitSeed: UInt64 = 0, synthetic: SyntheticDataset.Config = SyntheticDataset.Config()
    ) {
        self.name = name
        self.path = path
        self.validation = validation
        self.trainSubset = trainSubset
        self.stratified = stratified
        self.splitSeed = splitSeed
        self.synthetic = synthetic
    }

    enum CodingKeys: String, CodingKey {
        case name, path, validation, stratified, synthetic
        case trainSubset = "train_subset"
        case splitSeed = "split_seed"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = DatasetConfig(name: try c.decode(Name.self, forKey: .name))
        name = d.name
        path = try c.decodeIfPresent(String.self, forKey: .path)
        validation = try c.decodeIfPresent(Int.self, forKey: .validation) ?? d.validation
        trainSubset = try c.decodeIfPresent(Int.self, forKey: .trainSubset)
        stratified = try c.decodeIfPresent(Bool.self, forKey: .stratified) ?? d.stratified
        splitSeed = try c.decodeIfPresent(Int.self, forKey: .splitSeed).map { UInt64(bitPattern: Int64($0)) } ?? d.splitSeed
        synthetic = try c.decodeIfPresent(SyntheticDataset.Config.self, forKey: .synthetic) ?? d.synthetic
    }

    public static let parameters: [ParameterDoc] = [
        ParameterDoc("name", Name.choices, "the data set"),
        ParameterDoc(
            "path", "string", default: "per data set",
            "directory of the data set's files; defaults: fashion_mnist \(FashionMNIST.defaultDirectory), "
                + "cifar10 \(CIFAR10.defaultDirectory), cifar100 \(CIFAR100.defaultDirectory)"),
        ParameterDoc("validation", "int", default: "0", "training images held out as a validation set (0: none)"),
        ParameterDoc(
            "train_subset", "int", default: "all",
            "train on this many of the images left after the validation split (first k of a seeded shuffle)"),
        ParameterDoc("stratified", "bool", default: "true", "keep class proportions in the validation split and the subset"),
        ParameterDoc("split_seed", "int", default: "0", "seed of the validation split and the subset (not the run seed)"),
        ParameterDoc(
            "synthetic", "mapping", default: "{}",
            "generator settings for name: synthetic: "
                + SyntheticDataset.Config.parameters.map { "\($0.name) (\($0.defaultValue ?? "required"))" }
                .joined(separator: ", ")),
    ]

    /// Throws a `ParamError` naming the first key with an impossible value. Whether the
    /// data set is large enough for the split and subset is known only once it is loaded.
    public func validate() throws(ParamError) {
        guard validation >= 0 else { throw ParamError(path: ["validation"], "must be >= 0, got \(validation)") }
        if let k = trainSubset, k < 1 { throw ParamError(path: ["train_subset"], "must be >= 1, got \(k)") }
        if path != nil, name == .synthetic { throw ParamError(path: ["path"], "the synthetic data set reads no files") }
        do { try synthetic.validate() } catch { throw ParamError(path: ["synthetic"] + error.path, error.message) }
    }

    /// Loads the data set and draws the validation split and training subset.
    public func load() throws(DatasetError) -> LoadedData {
        func invalid(_ error: ParamError) -> DatasetError {
            DatasetError(path: path ?? name.rawValue, .invalidConfig(error.description))
        }
        do throws(ParamError) { try validate() } catch { throw invalid(error) }
        let pair: DatasetPair
        switch name {
        case .fashionMNIST: pair = try FashionMNIST.load(directory: path ?? FashionMNIST.defaultDirectory)
        case .cifar10: pair = try CIFAR10.load(directory: path ?? CIFAR10.defaultDirectory)
        case .cifar100: pair = try CIFAR100.load(directory: path ?? CIFAR100.defaultDirectory)
        case .synthetic:
            do throws(ParamError) { pair = try SyntheticDataset.make(synthetic) } catch { throw invalid(error) }
        }
        let split = try pair.train.split(validation: validation, seed: splitSeed, stratified: stratified)
        var train = split.train
        if let k = trainSubset { train = try pair.train.subset(k, of: split.train, seed: splitSeed, stratified: stratified) }
        return LoadedData(train: pair.train, test: pair.test, trainIndices: train, validationIndices: split.validation)
    }
}

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
}
