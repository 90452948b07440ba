import CanopyRuntime
import CanopySpecs

/// Dataset plugin `image_folder`: a class-per-folder tree of PNG and JPEG files, as
/// torchvision's ImageFolder reads it (`root/train/<class>/*.png`, `root/test/<class>/*.jpg`;
/// see `ImageFolder`), decoded to RGB, made `size` x `size` by `fit` and cached as
/// bytes after the first load. CINIC-10, fine-grained sets, your own photos.
public struct ImageFolderDataset: DatasetPlugin {
    public struct Params: PluginParams {
        // The initial values of required params only fill `init()`; they lie in range.
        @Param("root folder, holding one folder per split", required: true) public var path = "."
        @Param("number of classes: the class sub-folders each split must have", .between(2, 100_000), required: true)
        public var classes = 2
        @Param("side of the square every image is made, in pixels", .between(1, 4096), required: true)
        public var size = 32
        @Param(
            "resize: bilinear to size x size; center_crop: the central size x size (zero-padded when smaller); "
                + "resize_crop: shorter side to size, then the central square")
        public var fit = ImageFit.resize
        @Param("training split folder, relative to path") public var train = "train"
        @Param("test split folder, relative to path (e.g. valid)") public var test = "test"
        @Param("keep the decoded images in a cache file, rebuilt when files or params change") public var cache = true
        @Param("folder of the cache files", shownDefault: "<path>/.canopy-cache") public var cacheDir: String? = nil
        public init() {}
    }

    public static let name = "image_folder"
    public static let summary = "PNG/JPEG files in <path>/<split>/<class>/ (torchvision ImageFolder layout), as RGB size x size"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        guard !params.path.isEmpty else { throw ParamError(path: ["path"], "is empty (give the root folder)") }
        for (key, value) in [("train", params.train), ("test", params.test)] where value.isEmpty {
            throw ParamError(path: [key], "is empty (give the split's folder)")
        }
        self.params = params
    }

    public var facts: DatasetFacts { DatasetFacts(channels: 3, size: params.size, classes: params.classes) }

    /// The loader's options for these params.
    public var options: ImageFolder.Options {
        var options = ImageFolder.Options(
            root: params.path, size: params.size, fit: params.fit,
            trainDirectory: params.train, testDirectory: params.test,
            classes: params.classes)
        options.cacheDirectory = params.cache ? params.cacheDir ?? options.defaultCacheDirectory : nil
        return options
    }

    public func load(_ context: DatasetContext) throws -> DatasetPair {
        try ImageFolder.load(options, threads: context.threads).pair
    }
}
