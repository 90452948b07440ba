import CanopyRuntime
import Testing

/// Carving a loaded pair up as the spec's `data:` asks: a validation split and a
/// training subset, both seeded and stratified.
@Suite struct LoadedDataTests {
    @Test func loadsSplitsAndSubsets() throws {
        let synthetic = SyntheticDataset.Config(trainCount: 100, testCount: 20, classCount: 5, size: 4)
        let pair = try SyntheticDataset.make(synthetic)
        let data = try LoadedData(pair, validation: 20, trainSubset: 50)
        #expect(data.train.count == 100 && data.test.count == 20)
        #expect(data.validationIndices.count == 20 && data.trainIndices.count == 50)
        #expect(Set(data.trainIndices).isDisjoint(with: data.validationIndices))
        #expect(data.train.classCounts(of: data.trainIndices) == [10, 10, 10, 10, 10])
        #expect(data.train.classCounts(of: data.validationIndices) == [4, 4, 4, 4, 4])
        let whole = try LoadedData(pair)
        #expect(whole.trainIndices == Array(0..<100) && whole.validationIndices.isEmpty)
        // The same split seed gives the same split; another gives another.
        #expect(
            try LoadedData(pair, validation: 20, splitSeed: 7).validationIndices
                == LoadedData(pair, validation: 20, splitSeed: 7).validationIndices)
        #expect(try LoadedData(pair, validation: 20, splitSeed: 7).validationIndices != data.validationIndices)
        #expect(throws: DatasetError.self) { try LoadedData(pair, validation: 101) }
        #expect(throws: DatasetError.self) { try LoadedData(pair, validation: 60, trainSubset: 41) }
    }

    @Test func aMissingDirectoryIsNamed() {
        #expect(throws: DatasetError(path: "/nonexistent-canopy", .directoryNotFound(expected: CIFAR100.fileNames))) {
            try CIFAR100.load(directory: "/nonexistent-canopy")
        }
    }
}
