import CanopyRuntime
import Foundation
import Testing

/// The double-buffered loader: background batches equal synchronous ones whatever the
/// timing; resuming, stopping and abandoning epochs.
@Suite struct PrefetchingBatchLoaderTests {
    static func loader(count: Int = 45, batchSize: Int = 8, dropLast: Bool = false) throws -> BatchLoader {
        let pair = try SyntheticDataset.make(SyntheticDataset.Config(trainCount: count, testCount: 1, classCount: 5, size: 8))
        return try BatchLoader(
            dataset: pair.train, batch: BatchConfig(batchSize: batchSize, dropLast: dropLast),
            augmentation: .cifar, seed: 21)
    }

    /// Every batch of `epoch` from step `from` on, produced synchronously by `fill`.
    static func reference(_ loader: BatchLoader, epoch: Int, from: Int = 0) -> [([Float], [Int32], Int)] {
        (from..<loader.stepsPerEpoch).map { step in
            let x = TensorStorage(loader.inputSpec), t = TensorStorage(loader.targetSpec)
            let rows = loader.fill(epoch: epoch, step: step, x: x.tensor, target: t.tensor)
            return (x.tensor.toArray(), Array(t.tensor.ints), rows)
        }
    }

    /// Every batch `batches` yields for `epoch` from `from`, optionally with a pause
    /// after each (to vary which side waits).
    static func drain(
        _ batches: PrefetchingBatchLoader, epoch: Int, from: Int = 0,
        pause: (Int) -> UInt32 = { _ in 0 }
    ) -> [([Float], [Int32], Int)] {
        batches.start(epoch: epoch, from: from)
        var result: [([Float], [Int32], Int)] = []
        while let batch = batches.next() {
            #expect(batch.epoch == epoch && batch.step == from + result.count)
            result.append((batch.x.toArray(), Array(batch.target.ints), batch.rows))
            usleep(pause(batch.step))
        }
        return result
    }

    static func same(_ a: [([Float], [Int32], Int)], _ b: [([Float], [Int32], Int)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 && $0.2 == $1.2 }
    }

    @Test(arguments: [true, false]) func equalsSynchronousLoading(background: Bool) throws {
        let loader = try Self.loader()
        let batches = PrefetchingBatchLoader(loader, background: background)
        #expect(batches.background == background)
        for epoch in 0..<3 {
            let expected = Self.reference(loader, epoch: epoch)
            #expect(expected.count == 6 && expected.last?.2 == 5)
            #expect(Self.same(Self.drain(batches, epoch: epoch), expected))
        }
    }

    @Test func timingDoesNotMatter() throws {
        let loader = try Self.loader()
        let expected = Self.reference(loader, epoch: 4)
        let batches = PrefetchingBatchLoader(loader)
        // A slow consumer (the producer waits for buffers), then a slow start and a fast
        // finish, then an alternating pattern.
        #expect(Self.same(Self.drain(batches, epoch: 4, pause: { _ in 3000 }), expected))
        #expect(Self.same(Self.drain(batches, epoch: 4, pause: { $0 < 2 ? 5000 : 0 }), expected))
        #expect(Self.same(Self.drain(batches, epoch: 4, pause: { $0 % 2 == 0 ? 2000 : 0 }), expected))
    }

    @Test func resumesMidEpoch() throws {
        let loader = try Self.loader()
        let batches = PrefetchingBatchLoader(loader)
        #expect(Self.same(Self.drain(batches, epoch: 2, from: 3), Self.reference(loader, epoch: 2, from: 3)))
        #expect(Self.drain(batches, epoch: 2, from: 6).isEmpty)
        #expect(Self.drain(batches, epoch: 2, from: 99).isEmpty)
    }

    @Test func abandonedEpochsAndReleasedLoaders() throws {
        let loader = try Self.loader()
        let batches = PrefetchingBatchLoader(loader)
        batches.start(epoch: 0)
        _ = batches.next()
        // Restarting mid-epoch cancels the producer (which is waiting for a free buffer).
        #expect(Self.same(Self.drain(batches, epoch: 1), Self.reference(loader, epoch: 1)))
        batches.start(epoch: 2)
        _ = batches.next()
        batches.stop()
        #expect(batches.next().map { _ in true } == nil)
        // Releasing a loader with a producer in flight neither hangs nor crashes.
        for _ in 0..<20 {
            let temporary = PrefetchingBatchLoader(loader)
            temporary.start(epoch: 0)
            _ = temporary.next()
        }
    }

    @Test func twoBuffersAlternateAndCopiesMatch() throws {
        let loader = try Self.loader(dropLast: true)
        let batches = PrefetchingBatchLoader(loader)
        batches.start(epoch: 0)
        var addresses: [UnsafeMutableRawPointer] = []
        while let batch = batches.next() { addresses.append(batch.x.base) }
        #expect(addresses.count == 5 && Set(addresses).count == 2)
        #expect(addresses[0] == addresses[2] && addresses[1] == addresses[3])

        let x = TensorStorage(loader.inputSpec), t = TensorStorage(loader.targetSpec)
        let expected = Self.reference(loader, epoch: 7)
        batches.start(epoch: 7)
        var step = 0
        while let rows = batches.next(into: x.tensor, target: t.tensor) {
            #expect(rows == 8 && x.tensor.toArray() == expected[step].0 && Array(t.tensor.ints) == expected[step].1)
            step += 1
        }
        #expect(step == 5)
    }
}
