/// A held-out validation split of a training set: two disjoint index sets, each sorted.
public struct DatasetSplit: Sendable, Equatable {
    /// The indices that stay for training.
    public var train: [Int]
    /// The held-out indices.
    public var validation: [Int]

    public init(train: [Int], validation: [Int]) {
        self.train = train
        self.validation = validation
    }
}

extension Dataset {
    /// Holds `validation` images out of `pool` (every image by default): a seeded shuffle
    /// of the pool, of which the first `validation` images (class-balanced when
    /// `stratified`) are held out. The same seed always gives the same split; both index
    /// sets come back sorted.
    public func split(
        validation: Int, seed: UInt64, stratified: Bool = true,
        from pool: [Int]? = nil
    ) throws(DatasetError) -> DatasetSplit {
        let (chosen, rest) = try select(
            validation, from: pool ?? allIndices, seed: seed,
            stream: "data.validation", stratified: stratified, what: "validation split")
        return DatasetSplit(train: rest, validation: chosen)
    }

    /// A training subset of `k` images of `pool` (every image by default): the first `k`
    /// of a seeded shuffle, taken so each class keeps its share of the pool when
    /// `stratified` (largest-remainder rounding). Sorted.
    public func subset(
        _ k: Int, of pool: [Int]? = nil, seed: UInt64,
        stratified: Bool = true
    ) throws(DatasetError) -> [Int] {
        try select(
            k, from: pool ?? allIndices, seed: seed, stream: "data.subset", stratified: stratified,
            what: "subset"
        ).chosen
    }

    /// Splits `pool` into `k` chosen indices and the rest.
    private func select(
        _ k: Int, from pool: [Int], seed: UInt64, stream: String, stratified: Bool,
        what: String
    ) throws(DatasetError) -> (chosen: [Int], rest: [Int]) {
        guard k >= 0, k <= pool.count else {
            throw DatasetError(
                path: source,
                .invalidSelection(
                    "a \(what) of \(k) images from \(name) is impossible: only \(pool.count) are available"))
        }
        for i in pool where i < 0 || i >= count {
            throw DatasetError(path: source, .invalidSelection("index \(i) is outside \(name)'s 0..<\(count)"))
        }
        var order = pool
        var random = SeededRandom(seed: seed, stream: stream)
        order.seededShuffle(using: &random)
        var take = [Bool](repeating: false, count: order.count)
        if stratified {
            var quota = quotas(k, counts: classCounts(of: pool))
            for (p, i) in order.enumerated() where quota[Int(labels[i])] > 0 {
                quota[Int(labels[i])] -= 1
                take[p] = true
            }
        } else {
            for p in 0..<k { take[p] = true }
        }
        var chosen: [Int] = [], rest: [Int] = []
        chosen.reserveCapacity(k)
        rest.reserveCapacity(pool.count - k)
        for (p, i) in order.enumerated() {
            if take[p] { chosen.append(i) } else { rest.append(i) }
        }
        return (chosen.sorted(), rest.sorted())
    }

    /// Per-class shares of `k` proportional to `counts`, rounded by largest remainder
    /// (ties to the lower class index), summing to `k`.
    private func quotas(_ k: Int, counts: [Int]) -> [Int] {
        let n = counts.reduce(0, +)
        guard n > 0 else { return counts }
        var quota = counts.map { k * $0 / n }
        let short = k - quota.reduce(0, +)
        let byRemainder = counts.indices.sorted { a, b in
            let ra = k * counts[a] % n, rb = k * counts[b] % n
            return ra != rb ? ra > rb : a < b
        }
        for c in byRemainder.prefix(short) { quota[c] += 1 }
        return quota
    }
}
