import CanopyRuntime

/// A dataset plugin: what a spec's `data.dataset` names. It states the shape of its
/// images and its class count from its params alone (`facts`), so the compiler sizes
/// the model and checks the `data:` keys before any file is read, and it loads the
/// training and test sets when a run or an evaluation starts (`load`).
///
///     data:
///       dataset: {name: image_folder, path: data/cinic-10, classes: 10, size: 32}
///
/// The built-in ones are `fashion_mnist`, `cifar10`, `cifar100`, `synthetic` and
/// `image_folder`; a package registers its own like any plugin,
/// `Canopy.main(plugins: .builtIn + [MyDataset.self])`.
public protocol DatasetPlugin: Sendable {
    /// The params type, decoded strictly from the `dataset:` mapping without `name`
    /// (plus `data.path` for a dataset with a `path` param, and `data.synthetic` for
    /// `synthetic`).
    associatedtype Params: Decodable & Sendable

    /// Registry name, e.g. "cifar10".
    static var name: String { get }
    /// One line describing the data set.
    static var summary: String { get }
    /// Every key of `Params`, with type, default and meaning.
    static var parameters: [ParameterDoc] { get }

    /// Validates `params`; reads no file.
    init(params: Params) throws(ParamError)

    /// The image shape, class count and (when known without reading files) image counts.
    var facts: DatasetFacts { get }

    /// Reads or generates the training and test sets. Their image shape and class count
    /// must be those of `facts` (the caller checks); errors should name the file at
    /// fault (a `DatasetError`).
    func load(_ context: DatasetContext) throws -> DatasetPair
}

/// What the compiler knows about a data set before loading it.
public struct DatasetFacts: Sendable, Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    public var classes: Int
    /// Images in the training and test sets, or nil when only loading tells (then the
    /// size checks of `data:` wait for the load).
    public var trainCount: Int?
    public var testCount: Int?

    public init(channels: Int, height: Int, width: Int, classes: Int, trainCount: Int? = nil, testCount: Int? = nil) {
        self.channels = channels
        self.height = height
        self.width = width
        self.classes = classes
        self.trainCount = trainCount
        self.testCount = testCount
    }

    /// Square images of side `size`.
    public init(channels: Int, size: Int, classes: Int, trainCount: Int? = nil, testCount: Int? = nil) {
        self.init(
            channels: channels, height: size, width: size, classes: classes, trainCount: trainCount,
            testCount: testCount)
    }

    /// "3x32x32 images in 10 classes, 50000 train / 10000 test", for listings and messages.
    public var summary: String {
        "\(channels)x\(height)x\(width) images in \(classes) classes"
            + (trainCount.map { t in ", \(t) train / " + (testCount.map(String.init) ?? "?") + " test" } ?? "")
    }

    /// The problem with a loaded pair whose image shape or class count is not the one
    /// stated, or nil. (Image counts may differ from `trainCount`/`testCount`, which only
    /// `check` uses: a split or subset the loaded images cannot fill fails on its own.)
    public func mismatch(_ pair: DatasetPair) -> String? {
        for set in [pair.train, pair.test] {
            if set.channels != channels || set.height != height || set.width != width || set.classCount != classes {
                return "\(set.name) holds \(set.channels)x\(set.height)x\(set.width) images in \(set.classCount) classes, "
                    + "but the dataset plugin promised \(channels)x\(height)x\(width) in \(classes)"
            }
        }
        return nil
    }
}

/// What a dataset plugin's `load` may use from the run.
public struct DatasetContext: Sendable {
    /// The spec's seed (a generated data set may derive its images from it).
    public var seed: UInt64
    /// Worker threads the run uses (`train.threads`), e.g. for decoding files.
    public var threads: Int

    public init(seed: UInt64 = 0, threads: Int = 1) {
        self.seed = seed
        self.threads = threads
    }
}

extension DatasetPlugin {
    /// Decodes `value` strictly and builds the dataset.
    public static func make(_ value: ParamValue) throws(ParamErrors) -> Self {
        let params = try ParamDecoder.decode(Params.self, from: value)
        do { return try Self(params: params) } catch { throw ParamErrors(errors: [error]) }
    }

    /// The spec keys a spec must give (params without a default).
    public static var requiredKeys: [String] { parameters.filter { $0.defaultValue == nil }.map(\.name) }
}

extension DatasetPlugin where Params: PluginParams {
    /// The `@Param` declarations of `Params`.
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
}
