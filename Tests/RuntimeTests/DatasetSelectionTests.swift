import CanopyRuntime
import Testing

/// Held-out validation splits and training subsets: deterministic by seed, disjoint,
/// complete and class-balanced.
@Suite struct DatasetSelectionTests {
    /// 100 images of 4 classes in proportions 40/30/20/10.
    static let dataset: Dataset = {
        let labels: [Int32] = (0..<100).map { i in i < 40 ? 0 : i < 70 ? 1 : i < 90 ? 2 : 3 }
        return Dataset(
            name: "toy", source: "/toy", images: [UInt8](repeating: 0, count: 100), labels: labels,
            channels: 1, height: 1, width: 1, classCount: 4, mean: [0], std: [1])
    }()

    @Test func splitIsDeterministicDisjointAndComplete() throws {
        let d = Self.dataset
        let a = try d.split(validation: 20, seed: 7), b = try d.split(validation: 20, seed: 7)
        #expect(a == b)
        #expect(a.validation.count == 20 && a.train.count == 80)
        #expect(Set(a.train).isDisjoint(with: a.validation))
        #expect((a.train + a.validation).sorted() == Array(0..<100))
        #expect(a.train == a.train.sorted() && a.validation == a.validation.sorted())
        #expect(try d.split(validation: 20, seed: 8) != a)
        // Stratified: each class keeps its share (40/30/20/10 of 20).
        #expect(d.classCounts(of: a.validation) == [8, 6, 4, 2])
        let plain = try d.split(validation: 20, seed: 7, stratified: false)
        #expect(plain.validation.count == 20 && Set(plain.train).isDisjoint(with: plain.validation))
    }

    @Test func stratifiedRoundingByLargestRemainder() throws {
        // 7 of 100 at 40/30/20/10: exact shares 2.8, 2.1, 1.4, 0.7 -> 3, 2, 1, 1.
        let subset = try Self.dataset.subset(7, seed: 1)
        #expect(Self.dataset.classCounts(of: subset) == [3, 2, 1, 1])
    }

    @Test func subsetOfASplit() throws {
        let d = Self.dataset
        let split = try d.split(validation: 10, seed: 3)
        let subset = try d.subset(30, of: split.train, seed: 3)
        #expect(subset.count == 30 && Set(subset).isSubset(of: split.train))
        #expect(Set(subset).isDisjoint(with: split.validation))
        #expect(try d.subset(30, of: split.train, seed: 3) == subset)
        #expect(try d.subset(90, of: split.train, seed: 3) == split.train)
        #expect(try d.subset(0, seed: 3).isEmpty)
        // Growing the subset keeps a seeded shuffle's prefix (unstratified).
        let small = try d.subset(10, seed: 4, stratified: false), large = try d.subset(20, seed: 4, stratified: false)
        #expect(Set(small).isSubset(of: large))
    }

    @Test func impossibleSelections() {
        let d = Self.dataset
        #expect(
            throws: DatasetError(
                path: "/toy",
                .invalidSelection(
                    "a validation split of 101 images from toy is impossible: only 100 are available"))
        ) {
            try d.split(validation: 101, seed: 0)
        }
        #expect(
            throws: DatasetError(
                path: "/toy",
                .invalidSelection(
                    "a subset of 5 images from toy is impossible: only 3 are available"))
        ) {
            try d.subset(5, of: [1, 2, 3], seed: 0)
        }
        #expect(throws: DatasetError(path: "/toy", .invalidSelection("index 100 is outside toy's 0..<100"))) {
            try d.subset(1, of: [100], seed: 0)
        }
    }
}
