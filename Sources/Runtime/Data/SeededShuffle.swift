extension MutableCollection where Self: RandomAccessCollection, Index == Int {
    /// Fisher-Yates shuffle drawing from `random` with `below`. Unlike the standard
    /// library's `shuffle(using:)`, whose draws are an implementation detail, this order
    /// is fixed for a given generator state on every platform and Swift version.
    mutating func seededShuffle(using random: inout SeededRandom) {
        guard count > 1 else { return }
        for i in stride(from: endIndex - 1, to: startIndex, by: -1) {
            let j = startIndex + random.below(i - startIndex + 1)
            swapAt(i, j)
        }
    }
}
