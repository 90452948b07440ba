/// One 64-byte aligned block of memory that a plan carves into tensors by offset.
/// It is allocated once when a plan is instantiated and freed with it.
public final class Arena: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let byteCount: Int

    public init(byteCount: Int) {
        self.byteCount = max(byteCount, 64)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.byteCount, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: self.byteCount)
    }

    deinit { base.deallocate() }

    /// The tensor at `offset` (bytes) with `spec`.
    public func tensor(at offset: Int, _ spec: TensorSpec) -> Tensor {
        precondition(offset >= 0 && offset + spec.byteCount <= byteCount, "tensor outside the arena")
        return Tensor(base: base + offset, spec: spec)
    }
}

/// Places buffers with known lifetimes in one arena so that buffers alive at the
/// same time never overlap, reusing memory of buffers that are dead. Greedy: buffers
/// are placed largest first at the lowest offset that fits (first fit by offset).
public struct ArenaPlanner: Sendable {
    /// One buffer to place: its size and the first and last step (inclusive) it is alive.
    public struct Request: Sendable, Equatable {
        public var bytes: Int
        public var firstStep: Int
        public var lastStep: Int
        public init(bytes: Int, firstStep: Int, lastStep: Int) {
            self.bytes = bytes
            self.firstStep = firstStep
            self.lastStep = lastStep
        }
    }

    public static let alignment = 64

    /// Offsets for each request (same order) and the arena size they need.
    ///
    /// The placed buffers are kept sorted by offset, so each request walks them once in
    /// offset order (skipping those not alive at the same time) without building or
    /// sorting a list per request.
    public static func place(_ requests: [Request]) -> (offsets: [Int], totalBytes: Int) {
        struct Placed {
            var offset, end, first, last: Int
        }
        var offsets = [Int](repeating: 0, count: requests.count)
        // Plain memory: this loop is quadratic in the worst case and runs in debug builds too.
        let placed = UnsafeMutablePointer<Placed>.allocate(capacity: max(requests.count, 1))
        defer { placed.deallocate() }
        var count = 0
        let order = requests.indices.sorted {
            requests[$0].bytes != requests[$1].bytes ? requests[$0].bytes > requests[$1].bytes : $0 < $1
        }
        var total = 0
        for i in order {
            let r = requests[i]
            let size = align(r.bytes)
            var offset = 0
            var k = 0
            while k < count {
                let p = placed[k]
                k += 1
                guard p.first <= r.lastStep && r.firstStep <= p.last else { continue }
                if offset + size <= p.offset { break }
                offset = max(offset, p.end)
            }
            offsets[i] = offset
            // Insert after every buffer at a lower or equal offset.
            var low = 0, high = count
            while low < high {
                let mid = (low + high) / 2
                if placed[mid].offset <= offset { low = mid + 1 } else { high = mid }
            }
            (placed + low + 1).moveInitialize(from: placed + low, count: count - low)
            (placed + low).initialize(to: Placed(offset: offset, end: offset + size, first: r.firstStep, last: r.lastStep))
            count += 1
            total = max(total, offset + size)
        }
        return (offsets, total)
    }

    /// `bytes` rounded up to the alignment.
    public static func align(_ bytes: Int) -> Int { (bytes + alignment - 1) / alignment * alignment }
}
