/// How a kernel splits the work of one call, decided once when the kernel is built:
/// the number of chunks its per-chunk scratch was sized for.
///
/// Work below `minimumWork` stays on the calling thread (one chunk); larger work splits
/// into the `Parallel.threads` chunks configured when the kernel was built, whatever the
/// setting is later, so per-chunk scratch is never overrun and results depend only on
/// the thread count the plan was built with.
public struct ChunkPlan: Sendable, Hashable {
    /// Chunks the kernel's scratch provides for (1: single-threaded).
    public let chunks: Int

    /// Plans `Parallel.threads` chunks when `work` (multiply-adds or elements, as the
    /// kernel counts them) reaches `minimumWork`, else one.
    public init(work: Int, minimumWork: Int) {
        chunks = work >= minimumWork ? Parallel.threads : 1
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
