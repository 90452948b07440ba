import Testing

@testable import CanopyRuntime

/// The arena planner places buffers alive at the same time apart, and gives exactly the
/// offsets of the plain first-fit it implements (largest first, lowest offset that fits
/// among the live buffers sorted by offset).
@Suite struct ArenaPlannerTests {
    /// The first fit written the obvious way: per request, the live placed buffers, sorted.
    static func reference(_ requests: [ArenaPlanner.Request]) -> (offsets: [Int], totalBytes: Int) {
        var offsets = [Int](repeating: 0, count: requests.count)
        var placed: [(offset: Int, end: Int, first: Int, last: Int)] = []
        let order = requests.indices.sorted { requests[$0].bytes != requests[$1].bytes ? requests[$0].bytes > requests[$1].bytes : $0 < $1 }
        var total = 0
        for i in order {
            let r = requests[i], size = ArenaPlanner.align(r.bytes)
            var offset = 0
            for p in placed.filter({ $0.first <= r.lastStep && r.firstStep <= $0.last }).sorted(by: { $0.offset < $1.offset }) {
                if offset + size <= p.offset { break }
                offset = max(offset, p.end)
            }
            offsets[i] = offset
            placed.append((offset, offset + size, r.firstStep, r.lastStep))
            total = max(total, offset + size)
        }
        return (offsets, total)
    }

    static func randomRequests(_ count: Int, steps: Int, seed: UInt64) -> [ArenaPlanner.Request] {
        var rng = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            let first = Int.random(in: 0..<steps, using: &rng)
            let last = min(steps - 1, first + Int.random(in: 0..<(Bool.random(using: &rng) ? 4 : steps), using: &rng))
            // Few distinct sizes, so equal sizes (index order) and equal offsets occur.
            return ArenaPlanner.Request(
                bytes: [1, 64, 100, 4096, 5000][Int.random(in: 0..<5, using: &rng)], firstStep: first,
                lastStep: last)
        }
    }

    @Test(arguments: [(0, 1), (1, 1), (50, 10), (400, 60), (2000, 300)])
    func equalsTheReferenceFirstFit(_ count: Int, _ steps: Int) {
        for seed in UInt64(0)..<5 {
            let requests = Self.randomRequests(count, steps: steps, seed: seed)
            let placed = ArenaPlanner.place(requests)
            let expected = Self.reference(requests)
            #expect(placed.offsets == expected.offsets)
            #expect(placed.totalBytes == expected.totalBytes)
        }
    }

    @Test func buffersAliveTogetherDoNotOverlap() {
        let requests = Self.randomRequests(800, steps: 100, seed: 7)
        let (offsets, total) = ArenaPlanner.place(requests)
        for i in requests.indices {
            #expect(offsets[i] % ArenaPlanner.alignment == 0 && offsets[i] + requests[i].bytes <= total)
            for j in requests.indices where j > i {
                let (a, b) = (requests[i], requests[j])
                guard a.firstStep <= b.lastStep && b.firstStep <= a.lastStep else { continue }
                #expect(offsets[i] + a.bytes <= offsets[j] || offsets[j] + b.bytes <= offsets[i])
            }
        }
    }

    @Test func deadBuffersAreReused() {
        let (offsets, total) = ArenaPlanner.place([
            .init(bytes: 128, firstStep: 0, lastStep: 1),
            .init(bytes: 128, firstStep: 2, lastStep: 3),
            .init(bytes: 64, firstStep: 1, lastStep: 2),
        ])
        #expect(offsets == [0, 0, 128])
        #expect(total == 192)
    }
}
