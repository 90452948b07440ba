import CBLAS
import Dispatch

/// Canopy's one threading policy: the runtime owns the threads, OpenBLAS runs on one.
///
/// OpenBLAS worker threads spin after each call and slow down any Swift-parallel work
/// that follows (see docs/performance.md), and most products here are too small to
/// split well inside BLAS. So every BLAS call is single-threaded and kernels split
/// their work (batch samples, channels, rows) into `threads` contiguous chunks, each
/// running its own BLAS calls. A fixed thread count gives a fixed chunking, and
/// reductions over chunks are summed in chunk order, so results are deterministic
/// for a given thread count.
///
/// The thread count is not global: the compiler passes a spec's `train.threads` to every
/// kernel it builds (`Kernel.init(params:inputs:threads:)`), which keeps it in its
/// `ChunkPlan`, so plans built for different counts can exist side by side.
public enum Parallel {
    /// Pins OpenBLAS to one thread, once per process (later calls do nothing). Graph
    /// building calls it, so every plan runs under the policy.
    public static func pinBLASToOneThread() { _ = blasPinned }

    private static let blasPinned: Void = openblas_set_num_threads(1)

    /// Runs `body(chunk, range)` for `threads` contiguous chunks of `0..<count`, in parallel.
    /// `chunk` indexes per-thread scratch. Chunks with an empty range are skipped.
    @inlinable
    public static func chunks(_ count: Int, threads: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
        let n = min(threads, count)
        if n <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let box = UnsafeSendableBox(body)
            DispatchQueue.concurrentPerform(iterations: n) { c in
                box.value(c, chunkRange(c, of: n, count: count))
            }
        }
    }

    /// The `c`-th of `n` near-equal contiguous pieces of `0..<count`.
    @inlinable
    public static func chunkRange(_ c: Int, of n: Int, count: Int) -> Range<Int> {
        (count * c / n)..<(count * (c + 1) / n)
    }
}

/// Carries a non-Sendable closure into `concurrentPerform`; safe because the chunks
/// touch disjoint memory by construction.
@usableFromInline
struct UnsafeSendableBox<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @usableFromInline init(_ value: T) { self.value = value }
}
