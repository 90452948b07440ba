import CanopyRuntime
import Foundation
import Testing

/// CIFAR-10 and CIFAR-100 binary files, hand-built: loading and every defect.
@Suite struct CIFARTests {
    /// A CIFAR-10 directory with `perBatch` images in each of the five training batches
    /// and `test` test images. Returns the directory and the expected data.
    static func cifar10(perBatch: Int = 2, test: Int = 3) -> (
        dir: String, train: [UInt8], trainLabels: [Int32],
        test: [UInt8], testLabels: [Int32]
    ) {
        let dir = DatasetFiles.scratchDirectory("cifar10")
        var train: [UInt8] = [], trainLabels: [Int32] = []
        for b in 1...5 {
            let labels = (0..<perBatch).map { UInt8((b * 3 + $0) % 10) }
            let records = DatasetFiles.cifarRecords(labels: labels.map { [$0] }, seed: UInt64(b))
            DatasetFiles.write(records.file, to: dir + "/data_batch_\(b).bin")
            train += records.images
            trainLabels += labels.map(Int32.init)
        }
        let labels = (0..<test).map { UInt8(9 - $0) }
        let records = DatasetFiles.cifarRecords(labels: labels.map { [$0] }, seed: 6)
        DatasetFiles.write(records.file, to: dir + "/test_batch.bin")
        return (dir, train, trainLabels, records.images, labels.map(Int32.init))
    }

    /// A CIFAR-100 directory whose records carry (coarse, fine) label pairs.
    static func cifar100(train: [[UInt8]], test: [[UInt8]]) -> (dir: String, train: [UInt8], test: [UInt8]) {
        let dir = DatasetFiles.scratchDirectory("cifar100")
        let a = DatasetFiles.cifarRecords(labels: train, seed: 1), b = DatasetFiles.cifarRecords(labels: test, seed: 2)
        DatasetFiles.write(a.file, to: dir + "/train.bin")
        DatasetFiles.write(b.file, to: dir + "/test.bin")
        return (dir, a.images, b.images)
    }

    @Test func cifar10RoundTrip() throws {
        let files = Self.cifar10()
        defer { DatasetFiles.remove(files.dir) }
        let pair = try CIFAR10.load(directory: files.dir)
        #expect(pair.train.count == 10 && pair.test.count == 3)
        #expect(pair.train.channels == 3 && pair.train.height == 32 && pair.train.width == 32)
        #expect(pair.train.images == files.train && pair.train.labels == files.trainLabels)
        #expect(pair.test.images == files.test && pair.test.labels == files.testLabels)
        #expect(pair.train.classCount == 10 && pair.train.classNames[0] == "airplane")
        #expect(pair.train.mean == CIFAR10.mean && pair.test.std == CIFAR10.std)
        #expect(pair.train.name == "cifar10/train" && pair.test.source == files.dir)
    }

    @Test func cifar100UsesTheFineLabel() throws {
        let files = Self.cifar100(train: [[3, 99], [19, 0], [0, 42]], test: [[7, 5]])
        defer { DatasetFiles.remove(files.dir) }
        let pair = try CIFAR100.load(directory: files.dir)
        #expect(pair.train.labels == [99, 0, 42] && pair.test.labels == [5])
        #expect(pair.train.images == files.train && pair.test.images == files.test)
        #expect(pair.train.classCount == 100 && CIFAR100.classNames.count == 100)
        #expect(pair.train.classNames[99] == "worm")
    }

    @Test func missingDirectoryAndFiles() {
        let dir = "/nonexistent-canopy/cifar"
        #expect(throws: DatasetError(path: dir, .directoryNotFound(expected: CIFAR10.fileNames))) {
            try CIFAR10.load(directory: dir)
        }
        #expect(throws: DatasetError(path: dir, .directoryNotFound(expected: ["train.bin", "test.bin"]))) {
            try CIFAR100.load(directory: dir)
        }
        let files = Self.cifar10()
        defer { DatasetFiles.remove(files.dir) }
        DatasetFiles.remove(files.dir + "/data_batch_4.bin")
        #expect(throws: DatasetError(path: files.dir + "/data_batch_4.bin", .fileNotFound(expected: CIFAR10.fileNames))) {
            try CIFAR10.load(directory: files.dir)
        }
    }

    @Test func sizeNotAMultipleOfTheRecord() {
        let files = Self.cifar10()
        defer { DatasetFiles.remove(files.dir) }
        let path = files.dir + "/test_batch.bin"
        DatasetFiles.write(DatasetFiles.cifarRecords(labels: [[1], [2]], seed: 3).file.dropLast(5), to: path)
        let error = DatasetError(path: path, .recordSizeMismatch(fileSize: 2 * 3073 - 5, recordSize: 3073))
        #expect(throws: error) { try CIFAR10.load(directory: files.dir) }
        #expect(error.description == "\(path): size 6141 bytes is not a multiple of the 3073-byte record")
        // A CIFAR-10 file read as CIFAR-100 is caught by the record size too.
        let c100 = Self.cifar100(train: [[1, 1]], test: [[1, 1]])
        defer { DatasetFiles.remove(c100.dir) }
        DatasetFiles.write(DatasetFiles.cifarRecords(labels: [[1], [2]], seed: 3).file, to: c100.dir + "/train.bin")
        #expect(throws: DatasetError(path: c100.dir + "/train.bin", .recordSizeMismatch(fileSize: 6146, recordSize: 3074))) {
            try CIFAR100.load(directory: c100.dir)
        }
    }

    @Test func emptyFile() {
        let files = Self.cifar10()
        defer { DatasetFiles.remove(files.dir) }
        DatasetFiles.write([], to: files.dir + "/data_batch_2.bin")
        #expect(throws: DatasetError(path: files.dir + "/data_batch_2.bin", .empty)) { try CIFAR10.load(directory: files.dir) }
    }

    @Test func labelsOutOfRange() {
        let files = Self.cifar10()
        defer { DatasetFiles.remove(files.dir) }
        let path = files.dir + "/data_batch_3.bin"
        DatasetFiles.write(DatasetFiles.cifarRecords(labels: [[1], [10]], seed: 3).file, to: path)
        #expect(throws: DatasetError(path: path, .labelOutOfRange(index: 1, label: 10, classCount: 10))) {
            try CIFAR10.load(directory: files.dir)
        }
        let fine = Self.cifar100(train: [[0, 0], [1, 100]], test: [[0, 0]])
        defer { DatasetFiles.remove(fine.dir) }
        #expect(throws: DatasetError(path: fine.dir + "/train.bin", .labelOutOfRange(index: 1, label: 100, classCount: 100))) {
            try CIFAR100.load(directory: fine.dir)
        }
        let coarse = Self.cifar100(train: [[0, 0]], test: [[20, 1]])
        defer { DatasetFiles.remove(coarse.dir) }
        #expect(throws: DatasetError(path: coarse.dir + "/test.bin", .labelOutOfRange(index: 0, label: 20, classCount: 20))) {
            try CIFAR100.load(directory: coarse.dir)
        }
    }
}
