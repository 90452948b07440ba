/// How a kernel splits the work of one call, decided once when the kernel is built:
/// the number of chunks its per-chunk scratch was sized for.
///
/// Work below `minimumWork` stays on the calling thread (one chunk); larger work splits
/// into the `threads` chunks of the plan the kernel was built for, so per-chunk scratch
/// is never overrun and results depend only on that thread count.
public struct ChunkPlan: Sendable, Hashable {
    /// Chunks the kernel's scratch provides for (1: single-threaded).
    public let chunks: Int

    /// Plans `threads` chunks when `work` (multiply-adds or elements, as the kernel
    /// counts them) reaches `minimumWork`, else one.
    public init(work: Int, minimumWork: Int, threads: Int) {
        chunks = work >= minimumWork ? max(1, threads) : 1
    }

    /// Runs `body(chunk, range)` over contiguous chunks of `0..<count`: `Parallel.chunks`
    /// when the plan is parallel, else one chunk on the calling thread.
    public func run(_ count: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        Parallel.chunks(count, threads: chunks, body)
    }

    /// How many chunks `run(count)` uses now (for summing per-chunk partials).
    public func chunkCount(_ count: Int) -> Int {
        min(chunks, count)
    }
}
