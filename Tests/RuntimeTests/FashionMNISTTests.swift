import CanopyRuntime
import Foundation
import Testing

/// Loading Fashion-MNIST: the real files from the Debian package, and hand-built IDX
/// directories, plain and gzipped.
@Suite struct FashionMNISTTests {
    @Test func realFilesFromTheDebianPackage() throws {
        let dir = FashionMNIST.defaultDirectory
        let installed = FileManager.default.fileExists(atPath: dir + "/train-images-idx3-ubyte.gz")
        if !installed {
            print("FashionMNISTTests: \(dir) is missing; install the Debian package dataset-fashion-mnist (make deps)")
        }
        try #require(installed, "Fashion-MNIST is not installed at \(dir): run `make deps`")
        let pair = try FashionMNIST.load()
        #expect(pair.train.count == 60000)
        #expect(pair.test.count == 10000)
        for set in [pair.train, pair.test] {
            #expect(set.channels == 1 && set.height == 28 && set.width == 28)
            #expect(set.images.count == set.count * 784)
            #expect(set.classCount == 10)
            #expect(set.labels.allSatisfy { $0 >= 0 && $0 < 10 })
        }
        #expect(pair.train.classCounts() == [Int](repeating: 6000, count: 10))
        #expect(pair.test.classCounts() == [Int](repeating: 1000, count: 10))
        // The documented statistics are the training set's.
        let stats = pair.train.channelStatistics(of: Array(stride(from: 0, to: 60000, by: 10)))
        #expect(abs(stats.mean[0] - Double(FashionMNIST.mean[0])) < 0.005)
        #expect(abs(stats.std[0] - Double(FashionMNIST.std[0])) < 0.005)
        #expect(pair.train.name == "fashion_mnist/train" && pair.train.source == dir)
    }

    @Test(arguments: [false, true]) func handBuiltFilesRoundTrip(gzipped: Bool) throws {
        let files = DatasetFiles.fashionMNIST(train: 5, test: 3, gzipped: gzipped)
        defer { DatasetFiles.remove(files.directory) }
        let pair = try FashionMNIST.load(directory: files.directory)
        #expect(pair.train.images == files.trainImages)
        #expect(pair.train.labels == files.trainLabels.map(Int32.init))
        #expect(pair.test.images == files.testImages)
        #expect(pair.test.labels == files.testLabels.map(Int32.init))
        #expect(pair.train.mean == FashionMNIST.mean && pair.train.std == FashionMNIST.std)
        #expect(pair.train.classNames[9] == "Ankle boot")
    }

    @Test func plainFileIsPreferredAndGzipIsDetectedByContent() throws {
        let files = DatasetFiles.fashionMNIST(train: 4, test: 2, gzipped: true)
        defer { DatasetFiles.remove(files.directory) }
        // A plain labels file beside the gzipped one wins; a gzipped file without the
        // .gz suffix is still decompressed.
        let dir = files.directory
        DatasetFiles.write(DatasetFiles.idx(dims: [4], [3, 3, 3, 3]), to: dir + "/train-labels-idx1-ubyte")
        try FileManager.default.moveItem(atPath: dir + "/t10k-images-idx3-ubyte.gz", toPath: dir + "/t10k-images-idx3-ubyte")
        let pair = try FashionMNIST.load(directory: dir)
        #expect(pair.train.labels == [3, 3, 3, 3])
        #expect(pair.test.images == files.testImages)
    }
}
