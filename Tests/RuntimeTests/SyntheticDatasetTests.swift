import CanopyRuntime
import Testing

/// The generated data set: deterministic, balanced, class-dependent, validated.
@Suite struct SyntheticDatasetTests {
    @Test func deterministicAndShaped() throws {
        let config = SyntheticDataset.Config(trainCount: 40, testCount: 12, classCount: 4, channels: 2, size: 6, seed: 5)
        let a = try SyntheticDataset.make(config), b = try SyntheticDataset.make(config)
        #expect(a.train.images == b.train.images && a.test.images == b.test.images)
        #expect(a.train.count == 40 && a.test.count == 12 && a.train.images.count == 40 * 2 * 6 * 6)
        #expect(a.train.classCounts() == [10, 10, 10, 10])
        #expect(a.train.mean.count == 2 && a.test.mean == a.train.mean && a.train.std.allSatisfy { $0 > 0 })
        var other = config
        other.seed = 6
        #expect(try SyntheticDataset.make(other).train.images != a.train.images)
        // The test set is drawn independently of the training set.
        #expect(Array(a.test.images[..<72]) != Array(a.train.images[..<72]))
    }

    @Test func classesAreSeparable() throws {
        // Nearest class mean on training images classifies noiseless test images perfectly.
        let config = SyntheticDataset.Config(
            trainCount: 100, testCount: 50, classCount: 5, channels: 1, size: 8,
            noise: 40, seed: 1)
        let pair = try SyntheticDataset.make(config)
        let d = pair.train.imageSize
        var means = [Double](repeating: 0, count: 5 * d)
        for i in 0..<pair.train.count {
            let k = Int(pair.train.labels[i])
            for p in 0..<d { means[k * d + p] += Double(pair.train.images[i * d + p]) / 20 }
        }
        var correct = 0
        for i in 0..<pair.test.count {
            let distances = (0..<5).map { k in
                (0..<d).reduce(0.0) { s, p in
                    let e = Double(pair.test.images[i * d + p]) - means[k * d + p]
                    return s + e * e
                }
            }
            if distances.firstIndex(of: distances.min()!) == Int(pair.test.labels[i]) { correct += 1 }
        }
        #expect(correct >= 48, "\(correct)/50")
    }

    @Test func invalidConfigurations() {
        func failure(_ change: (inout SyntheticDataset.Config) -> Void) -> ParamError? {
            var config = SyntheticDataset.Config()
            change(&config)
            do {
                _ = try SyntheticDataset.make(config)
                return nil
            } catch { return error }
        }
        #expect(failure { $0.trainCount = 0 } == ParamError(path: ["train"], "must be >= 1, got 0"))
        #expect(failure { $0.classCount = 300 } == ParamError(path: ["classes"], "must be <= 256, got 300"))
        #expect(failure { $0.noise = -1 } == ParamError(path: ["noise"], "must be >= 0, got -1.0"))
        #expect(failure { $0.size = 0 }?.path == ["size"])
    }
}
