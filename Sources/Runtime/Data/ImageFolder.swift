#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A data set of image files laid out as torchvision's `ImageFolder` reads them, one
/// folder per split and one sub-folder per class:
///
///     root/train/cat/0001.png        root/test/cat/0101.jpg
///     root/train/dog/0002.jpeg       root/test/dog/0102.png
///
/// Class names are the sorted names of the train split's sub-folders (label k is the
/// k-th), and the test split must have the same ones. A class folder's images are its
/// `.png`, `.jpg` and `.jpeg` files (any case), in sub-folders too, in torchvision's
/// order (directories by path, files by name within one); other files are ignored, as
/// are names starting with "." at every level. Every image is decoded to RGB
/// (`ImageDecoder`), made `size` x `size` by `fit` and kept as bytes.
///
/// The decoded split is cached in one file per split (`<split>-<size>-<fit>.cache` in
/// the cache directory, written atomically), keyed by the list of files with their
/// sizes and modification times and by the size, fit and class names: a later load
/// with the same key reads the cache instead of decoding; any change decodes again and
/// replaces the cache. A cache that cannot be written leaves the load unharmed.
public enum ImageFolder {
    /// The file name endings read as images (compared in lower case).
    public static let extensions = [".png", ".jpg", ".jpeg"]

    /// Where and how to read a class-per-folder tree.
    public struct Options: Sendable, Equatable {
        /// The folder holding the split folders.
        public var root: String
        /// Side of the square every image is made.
        public var size: Int
        public var fit: ImageFit
        /// The split folders, relative to `root`.
        public var trainDirectory: String
        public var testDirectory: String
        /// The number of classes the tree must have, or nil to accept any.
        public var classes: Int?
        /// The folder of the cache files, or nil for no cache.
        public var cacheDirectory: String?

        public init(
            root: String, size: Int, fit: ImageFit = .resize, trainDirectory: String = "train",
            testDirectory: String = "test", classes: Int? = nil, cacheDirectory: String? = nil
        ) {
            self.root = root
            self.size = size
            self.fit = fit
            self.trainDirectory = trainDirectory
            self.testDirectory = testDirectory
            self.classes = classes
            self.cacheDirectory = cacheDirectory
        }

        /// `root/.canopy-cache`, the default cache directory.
        public var defaultCacheDirectory: String { DataFile.join(root, ".canopy-cache") }
    }

    /// What a split's load did with its cache.
    public enum CacheUse: Sendable, Equatable {
        /// No cache directory was given.
        case off
        /// The images were decoded and the cache written.
        case built
        /// The cache matched and was read instead of the images.
        case reused
        /// The images were decoded, but the cache could not be written (the reason).
        case unwritable(String)
    }

    /// One decoded split.
    public struct Split: Sendable {
        /// count x 3 x size x size bytes, NCHW.
        public var images: [UInt8]
        public var labels: [Int32]
        public var classNames: [String]
        /// Each image's path relative to the split folder, in label order of reading.
        public var files: [String]
        public var cache: CacheUse
    }

    /// Loads the train and test splits of `options`; the test split shares the train
    /// split's per-channel mean and std, measured on the training images.
    public static func load(_ options: Options, threads: Int = 1) throws(DatasetError) -> (pair: DatasetPair, cache: [CacheUse]) {
        guard options.size >= 1 else {
            throw DatasetError(path: options.root, .invalidConfig("size must be at least 1, found \(options.size)"))
        }
        guard DataFile.isDirectory(options.root) else {
            throw DatasetError(
                path: options.root,
                .directoryNotFound(
                    expected: [options.trainDirectory + "/<class>/<images>", options.testDirectory + "/<class>/<images>"]))
        }
        let cacheDirectory = options.cacheDirectory
        func cacheFile(_ split: String) -> String? {
            cacheDirectory.map { DataFile.join($0, split.replacingSlashes + "-\(options.size)-\(options.fit.rawValue).cache") }
        }
        let trainPath = DataFile.join(options.root, options.trainDirectory)
        let train = try loadSplit(
            trainPath, size: options.size, fit: options.fit, classes: options.classes,
            cacheFile: cacheFile(options.trainDirectory), threads: threads)
        let testPath = DataFile.join(options.root, options.testDirectory)
        let test = try loadSplit(
            testPath, size: options.size, fit: options.fit, classNames: train.classNames,
            cacheFile: cacheFile(options.testDirectory), threads: threads)
        let s = options.size
        var trainSet = Dataset(
            name: "image_folder/\(options.trainDirectory)", source: trainPath, images: train.images,
            labels: train.labels, channels: 3, height: s, width: s, classCount: train.classNames.count,
            classNames: train.classNames, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25])
        let stats = trainSet.channelStatistics()
        trainSet.mean = stats.mean.map { Float($0) }
        trainSet.std = stats.std.map { Float(max($0, 1e-3)) }
        let testSet = Dataset(
            name: "image_folder/\(options.testDirectory)", source: testPath, images: test.images,
            labels: test.labels, channels: 3, height: s, width: s, classCount: train.classNames.count,
            classNames: train.classNames, mean: trainSet.mean, std: trainSet.std)
        return (DatasetPair(train: trainSet, test: testSet), [train.cache, test.cache])
    }

    /// Loads one split folder: its class sub-folders (checked against `classNames`, or
    /// counted against `classes`, when given) and their images, from `cacheFile` when it
    /// is current. Errors name the folder or the image file at fault.
    public static func loadSplit(
        _ directory: String, size: Int, fit: ImageFit, classNames expected: [String]? = nil,
        classes: Int? = nil, cacheFile: String? = nil, threads: Int = 1
    ) throws(DatasetError) -> Split {
        let layout = try Layout(directory)
        if let expected, layout.classNames != expected {
            let missing = expected.filter { !layout.classNames.contains($0) }
            let extra = layout.classNames.filter { !expected.contains($0) }
            let parts =
                (missing.isEmpty ? [] : ["no folder for " + missing.joined(separator: ", ")])
                + (extra.isEmpty ? [] : ["folders the training split lacks: " + extra.joined(separator: ", ")])
            throw DatasetError(
                path: directory,
                .layout(
                    "the class folders differ from the training split's: "
                        + parts.joined(separator: "; ")))
        }
        if let classes, layout.classNames.count != classes {
            throw DatasetError(
                path: directory,
                .layout(
                    "\(layout.classNames.count) class folders (\(layout.classNames.joined(separator: ", "))), "
                        + "but the data set is declared with classes: \(classes)"))
        }
        let key = layout.key(size: size, fit: fit)
        let imageSize = 3 * size * size
        if let cacheFile, let cached = CacheFile.read(cacheFile, key: key, labels: layout.labels, imageSize: imageSize) {
            return Split(
                images: cached, labels: layout.labels, classNames: layout.classNames,
                files: layout.files.map(\.path), cache: .reused)
        }
        let images = try decode(layout, directory: directory, size: size, fit: fit, threads: threads)
        var use = CacheUse.off
        if let cacheFile {
            do throws(FileIO.Failure) {
                try CacheFile.write(cacheFile, key: key, labels: layout.labels, images: images, imageSize: imageSize)
                use = .built
            } catch {
                use = .unwritable(error.description)
            }
        }
        return Split(
            images: images, labels: layout.labels, classNames: layout.classNames, files: layout.files.map(\.path),
            cache: use)
    }

    /// Decodes every image of `layout` into one buffer, `threads` files at a time; the
    /// first failing file (in reading order) is the error.
    private static func decode(
        _ layout: Layout, directory: String, size: Int, fit: ImageFit,
        threads: Int
    ) throws(DatasetError) -> [UInt8] {
        let count = layout.files.count, imageSize = 3 * size * size
        let failures = UnsafeMutablePointer<DatasetError?>.allocate(capacity: count)
        failures.initialize(repeating: nil, count: count)
        defer { failures.deinitialize(count: count).deallocate() }
        let images = [UInt8](unsafeUninitializedCapacity: count * imageSize) { buffer, initialized in
            let base = buffer.baseAddress!
            Parallel.chunks(count, threads: max(1, threads)) { _, range in
                for i in range {
                    let file = layout.files[i]
                    let path = DataFile.join(directory, file.path)
                    do throws(DatasetError) {
                        let bytes: [UInt8]
                        do throws(FileIO.Failure) { bytes = try FileIO.contents(of: path) } catch {
                            throw DatasetError(path: path, .readFailed(error.description))
                        }
                        let image: RGBImage
                        do throws(ImageDecoder.Failure) { image = try ImageDecoder.decode(bytes, name: file.path) } catch {
                            throw DatasetError(path: path, .badImage(error.message))
                        }
                        let pixels = fit.apply(image, size: size)
                        (base + i * imageSize).initialize(from: pixels, count: imageSize)
                    } catch {
                        failures[i] = error
                        (base + i * imageSize).initialize(repeating: 0, count: imageSize)
                    }
                }
            }
            initialized = count * imageSize
        }
        for i in 0..<count { if let failure = failures[i] { throw failure } }
        return images
    }

    /// The classes and image files of one split folder, with what the cache key needs.
    struct Layout {
        struct File {
            /// Relative to the split folder: `<class>/<sub-folders>/<name>`.
            var path: String
            var bytes: Int
            var modified: (seconds: Int, nanoseconds: Int)
        }

        var classNames: [String] = []
        var files: [File] = []
        var labels: [Int32] = []

        init(_ directory: String) throws(DatasetError) {
            guard DataFile.isDirectory(directory) else {
                throw DatasetError(path: directory, .directoryNotFound(expected: ["<class>/<images>"]))
            }
            classNames = try Self.entries(directory).filter { DataFile.isDirectory(DataFile.join(directory, $0)) }
            guard !classNames.isEmpty else {
                throw DatasetError(path: directory, .layout("no class folders (expected one sub-folder per class)"))
            }
            for (label, name) in classNames.enumerated() {
                let before = files.count
                // torchvision's order: sorted(os.walk(class folder)), each folder's files sorted.
                var folders: [(path: String, files: [File])] = []
                try Self.walk(DataFile.join(directory, name), relative: name, depth: 0, into: &folders)
                for folder in folders.sorted(by: { Self.less($0.path, $1.path) }) { files += folder.files }
                guard files.count > before else {
                    throw DatasetError(
                        path: DataFile.join(directory, name),
                        .layout(
                            "no images (.png, .jpg or .jpeg files) in class folder '\(name)'"))
                }
                labels += [Int32](repeating: Int32(label), count: files.count - before)
            }
        }

        /// The cache key: FNV-1a of the format version, size, fit, class names and every
        /// file's path, size and modification time.
        func key(size: Int, fit: ImageFit) -> UInt64 {
            var text =
                "canopy image_folder cache 1\nsize \(size)\nfit \(fit.rawValue)\nclasses "
                + classNames.joined(separator: "/") + "\n"
            text.reserveCapacity(text.utf8.count + files.count * 64)
            for f in files { text += "\(f.path)\t\(f.bytes)\t\(f.modified.seconds).\(f.modified.nanoseconds)\n" }
            return FNV1a.hash(text)
        }

        /// The names in `directory` except those starting with ".", in code-point order.
        static func entries(_ directory: String) throws(DatasetError) -> [String] {
            guard let stream = opendir(directory) else {
                throw DatasetError(path: directory, .readFailed(String(cString: strerror(errno))))
            }
            defer { closedir(stream) }
            var names: [String] = []
            while let entry = readdir(stream) {
                var raw = entry.pointee.d_name
                let name = withUnsafeBytes(of: &raw) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if !name.hasPrefix(".") { names.append(name) }
            }
            return names.sorted(by: less)
        }

        /// Appends `path`'s image files (sorted) and those of its sub-folders, recursively.
        static func walk(
            _ path: String, relative: String, depth: Int,
            into folders: inout [(path: String, files: [File])]
        ) throws(DatasetError) {
            guard depth < 32 else { throw DatasetError(path: path, .layout("folders nest more than 32 deep (a link loop?)")) }
            var here: [File] = []
            var subfolders: [String] = []
            for name in try entries(path) {
                let full = DataFile.join(path, name)
                var info = stat()
                guard stat(full, &info) == 0 else { continue }  // a dangling link
                if (info.st_mode & S_IFMT) == S_IFDIR {
                    subfolders.append(name)
                } else if (info.st_mode & S_IFMT) == S_IFREG, ImageFolder.isImageName(name) {
                    here.append(
                        File(
                            path: relative + "/" + name, bytes: Int(info.st_size),
                            modified: (Int(info.st_mtim.tv_sec), Int(info.st_mtim.tv_nsec))))
                }
            }
            folders.append((relative, here))
            for name in subfolders {
                try walk(DataFile.join(path, name), relative: relative + "/" + name, depth: depth + 1, into: &folders)
            }
        }

        /// Code-point (UTF-8 byte) order, as Python sorts strings.
        static func less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
    }

    /// Whether `name` ends in one of `extensions`, in any case.
    public static func isImageName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return extensions.contains { lower.hasSuffix($0) && lower.count > $0.count }
    }
}

/// The cache file of one decoded split: a header (magic, version, key, image count,
/// image size), the labels as little-endian int32 and the pixels.
enum CacheFile {
    static let magic = Array("CNPYIMGF".utf8)
    static let version: UInt32 = 1
    static let headerSize = 8 + 4 + 8 + 8 + 8

    /// The pixels stored in `path` when its header matches `key`, `labels` and
    /// `imageSize` and its size is exact; nil otherwise (missing, stale or damaged).
    static func read(_ path: String, key: UInt64, labels: [Int32], imageSize: Int) -> [UInt8]? {
        let count = labels.count
        guard let bytes = try? FileIO.contents(of: path), bytes.count == headerSize + count * (4 + imageSize),
            Array(bytes[0..<8]) == magic, word(bytes, 8, 4) == UInt64(version), word(bytes, 12, 8) == key,
            word(bytes, 20, 8) == UInt64(count), word(bytes, 28, 8) == UInt64(imageSize),
            (0..<count).allSatisfy({ word(bytes, headerSize + 4 * $0, 4) == UInt64(UInt32(bitPattern: labels[$0])) })
        else { return nil }
        return Array(bytes[(headerSize + 4 * count)...])
    }

    /// Writes the cache atomically (a temporary file renamed over `path`), creating its
    /// directory when needed.
    static func write(_ path: String, key: UInt64, labels: [Int32], images: [UInt8], imageSize: Int) throws(FileIO.Failure) {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            let directory = String(path[..<slash])
            if !DataFile.isDirectory(directory), mkdir(directory, 0o755) != 0, errno != EEXIST {
                throw .system("cannot create \(directory): \(String(cString: strerror(errno)))")
            }
        }
        var header = magic
        func append(_ value: UInt64, _ bytes: Int) { for k in 0..<bytes { header.append(UInt8(truncatingIfNeeded: value >> (8 * k))) } }
        append(UInt64(version), 4)
        append(key, 8)
        append(UInt64(labels.count), 8)
        append(UInt64(imageSize), 8)
        var labelBytes = [UInt8]()
        labelBytes.reserveCapacity(4 * labels.count)
        for l in labels { for k in 0..<4 { labelBytes.append(UInt8(truncatingIfNeeded: UInt32(bitPattern: l) >> (8 * k))) } }
        try FileIO.writeAtomically([header, labelBytes, images], to: path)
    }

    /// The little-endian number of `count` bytes at `offset`.
    private static func word(_ b: [UInt8], _ offset: Int, _ count: Int) -> UInt64 {
        (0..<count).reduce(UInt64(0)) { $0 | UInt64(b[offset + $1]) << (8 * $1) }
    }
}

extension String {
    /// The string with every "/" replaced by "_" (a split folder as a file name).
    fileprivate var replacingSlashes: String { String(map { $0 == "/" ? "_" : $0 }) }
}
