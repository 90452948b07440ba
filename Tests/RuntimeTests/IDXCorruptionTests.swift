import CanopyRuntime
import Foundation
import Testing

/// Damaged or missing Fashion-MNIST (IDX) files: each defect gives its own
/// `DatasetError`, naming the file, and nothing traps.
@Suite struct IDXCorruptionTests {
    typealias Reason = DatasetError.Reason
    static let expected = FashionMNIST.fileNames.map { $0 + "[.gz]" }

    /// A valid directory of 4 training and 2 test images whose file `name` (plain, or
    /// gzipped when `gzipped`) is replaced by `bytes`; the error loading it, or nil.
    static func failure(replacing name: String, with bytes: [UInt8]?, gzipped: Bool = false) -> DatasetError? {
        let files = DatasetFiles.fashionMNIST(train: 4, test: 2, gzipped: gzipped)
        defer { DatasetFiles.remove(files.directory) }
        let path = files.directory + "/" + name + (gzipped ? ".gz" : "")
        DatasetFiles.remove(path)
        if let bytes { DatasetFiles.write(bytes, to: path) }
        do {
            _ = try FashionMNIST.load(directory: files.directory)
            return nil
        } catch {
            #expect(error.path == path, "\(error)")
            #expect(error.description.hasPrefix(path + ": "))
            return error
        }
    }

    static let trainImages = "train-images-idx3-ubyte"
    static let trainLabels = "train-labels-idx1-ubyte"
    static let testLabels = "t10k-labels-idx1-ubyte"
    static func images(_ n: Int, _ h: Int = 28, _ w: Int = 28) -> [UInt8] {
        DatasetFiles.idx(dims: [n, h, w], DatasetFiles.bytes(n * h * w, seed: 9))
    }

    @Test func missingDirectoryListsTheExpectedFiles() {
        let dir = "/nonexistent-canopy/fashion-mnist"
        #expect(throws: DatasetError(path: dir, .directoryNotFound(expected: Self.expected))) {
            try FashionMNIST.load(directory: dir)
        }
        let message = DatasetError(path: dir, .directoryNotFound(expected: Self.expected)).description
        #expect(message.contains("train-images-idx3-ubyte[.gz]") && message.contains("t10k-labels-idx1-ubyte[.gz]"))
    }

    @Test func missingFileListsTheExpectedFiles() {
        let error = Self.failure(replacing: Self.testLabels, with: nil)
        #expect(error?.reason == .fileNotFound(expected: Self.expected))
        #expect(error?.description.contains("the data set needs train-images-idx3-ubyte[.gz]") == true)
    }

    @Test func unreadableFile() {
        let files = DatasetFiles.fashionMNIST(train: 4, test: 2, gzipped: false)
        defer { DatasetFiles.remove(files.directory) }
        let path = files.directory + "/" + Self.trainLabels
        DatasetFiles.remove(path)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect {
            try FashionMNIST.load(directory: files.directory)
        } throws: { error in
            guard let e = error as? DatasetError, case .readFailed = e.reason else { return false }
            return e.path == path
        }
    }

    @Test func truncatedFiles() {
        let full = Self.images(4)
        #expect(
            Self.failure(replacing: Self.trainImages, with: Array(full.dropLast()))?.reason
                == .truncated(expectedBytes: 16 + 4 * 784, actualBytes: 16 + 4 * 784 - 1))
        #expect(
            Self.failure(replacing: Self.trainImages, with: Array(full[..<10]))?.reason
                == .truncated(expectedBytes: 16, actualBytes: 10))
        #expect(
            Self.failure(replacing: Self.trainImages, with: [0, 0])?.reason
                == .truncated(expectedBytes: 16, actualBytes: 2))
        #expect(
            Self.failure(replacing: Self.trainLabels, with: DatasetFiles.idx(dims: [4], [1, 2, 3]))?.reason
                == .truncated(expectedBytes: 12, actualBytes: 11))
        #expect(
            Self.failure(replacing: Self.trainImages, with: full + [7])?.reason
                == .trailingBytes(expectedBytes: 16 + 4 * 784, actualBytes: 16 + 4 * 784 + 1))
        // Dimensions so large their product overflows are a truncated file, not a trap.
        let huge = DatasetFiles.idx(dims: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], [])
        #expect(
            Self.failure(replacing: Self.trainImages, with: huge)?.reason
                == .truncated(expectedBytes: Int.max, actualBytes: 16))
    }

    @Test func wrongMagicNumbers() {
        // A labels file where images belong, and an images file where labels belong.
        #expect(
            Self.failure(replacing: Self.trainImages, with: DatasetFiles.idx(dims: [4], [0, 1, 2, 3]))?.reason
                == .wrongMagic(found: 0x801, expected: 0x803))
        #expect(
            Self.failure(replacing: Self.trainLabels, with: Self.images(4))?.reason
                == .wrongMagic(found: 0x803, expected: 0x801))
        // Float elements (type 0x0D) and a file that is not IDX at all.
        #expect(
            Self.failure(replacing: Self.trainLabels, with: DatasetFiles.idx(dims: [4], [0, 1, 2, 3], magic: 0xD01))?.reason
                == .wrongMagic(found: 0xD01, expected: 0x801))
        let text = Array("<html>not found</html>".utf8)
        #expect(
            Self.failure(replacing: Self.trainImages, with: text)?.reason
                == .wrongMagic(found: 0x3C68_746D, expected: 0x803))
        let message = DatasetError(path: "f", .wrongMagic(found: 0x801, expected: 0x803)).description
        #expect(message == "f: wrong IDX magic number 0x00000801, expected 0x00000803")
    }

    @Test func countMismatchBetweenImagesAndLabels() {
        #expect(
            Self.failure(replacing: Self.trainLabels, with: DatasetFiles.idx(dims: [3], [0, 1, 2]))?.reason
                == .countMismatch(images: 4, labels: 3))
    }

    @Test func wrongDimensions() {
        #expect(
            Self.failure(replacing: Self.trainImages, with: Self.images(4, 27, 28))?.reason
                == .wrongDimensions(found: [27, 28], expected: [28, 28]))
        #expect(
            Self.failure(replacing: Self.trainImages, with: Self.images(4, 32, 32))?.description
                .hasSuffix("images are 32x32, expected 28x28") == true)
        #expect(Self.failure(replacing: Self.trainImages, with: Self.images(0))?.reason == .empty)
    }

    @Test func labelOutOfRange() {
        #expect(
            Self.failure(replacing: Self.trainLabels, with: DatasetFiles.idx(dims: [4], [0, 9, 10, 3]))?.reason
                == .labelOutOfRange(index: 2, label: 10, classCount: 10))
    }

    @Test func corruptGzipFiles() {
        let stream = DatasetFiles.gzip(Self.images(4))
        let truncated = Self.failure(replacing: Self.trainImages, with: Array(stream.dropLast(9)), gzipped: true)
        #expect(truncated?.reason == .gzip("unexpected end of the gzip stream (truncated file)"))
        var damaged = stream
        damaged[damaged.count / 2] ^= 0xFF
        let corrupt = Self.failure(replacing: Self.trainImages, with: damaged, gzipped: true)
        if case .gzip? = corrupt?.reason {} else { Issue.record("expected a gzip error, got \(String(describing: corrupt))") }
        // Valid gzip around bad IDX data is reported as the IDX problem.
        let badLabels = DatasetFiles.gzip(DatasetFiles.idx(dims: [4], [0, 1, 2, 99]))
        #expect(
            Self.failure(replacing: Self.trainLabels, with: badLabels, gzipped: true)?.reason
                == .labelOutOfRange(index: 3, label: 99, classCount: 10))
    }

    /// A 2 MB file that inflates to 2 GiB (128 members of 16 MiB of zeros after a valid
    /// header of 4 images) stops at the size its header announces, before inflating the
    /// rest: the error is the gzip limit's, not the trailing bytes found after inflating.
    @Test func aGzipBombStopsAtTheSizeItsHeaderAnnounces() {
        let zeros = DatasetFiles.gzip([UInt8](repeating: 0, count: 16 << 20))
        var bomb = DatasetFiles.gzip(Self.images(4))
        for _ in 0..<128 { bomb += zeros }
        #expect(bomb.count < 4 << 20)
        #expect(
            Self.failure(replacing: Self.trainImages, with: bomb, gzipped: true)?.reason
                == .gzip("decompresses to more than the \(16 + 4 * 28 * 28) bytes expected"))
    }
}
