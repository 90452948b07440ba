import Dispatch
import Synchronization

/// Walks a `BatchLoader` through an epoch, preparing batch i + 1 on one background
/// thread while the caller computes on batch i.
///
/// Two batch buffers are allocated once, at init; batch `step` always goes to buffer
/// `step % 2`, so after warm-up nothing is allocated per batch (one order array per
/// epoch). A semaphore pair hands buffers back and forth: the producer waits for a free
/// buffer, fills it and signals it ready; `next()` releases the previous batch and waits
/// for the next one. Contents depend only on (seed, epoch, step), so the batches are
/// identical with or without the background thread.
///
///     let batches = PrefetchingBatchLoader(loader)
///     batches.start(epoch: e)
///     while let batch = batches.next() { /* batch.x, batch.target, batch.rows */ }
public final class PrefetchingBatchLoader: @unchecked Sendable {
    // Unchecked Sendable: the mutable members are used only from the caller's thread; the
    // producer touches only its epoch's `EpochRun` and the buffer the semaphores lend it.

    /// One prepared batch. Its tensors are the loader's buffers and stay valid until the
    /// next call to `next()`, `start` or `stop`.
    public struct Batch: @unchecked Sendable {
        /// x [B, C, H', W'] float32.
        public let x: Tensor
        /// target [B] int32.
        public let target: Tensor
        /// Valid rows; rows beyond are padding to ignore (see `BatchLoader`).
        public let rows: Int
        public let epoch: Int
        public let step: Int
    }

    public let loader: BatchLoader
    /// Whether batches are prepared on the background thread (else inside `next()`).
    public let background: Bool
    private let inputs: [TensorStorage]
    private let targets: [TensorStorage]
    private let queue = DispatchQueue(label: "canopy.data.prefetch")
    private var run: EpochRun?
    private var order = EpochOrder(epoch: 0, indices: [])
    private var nextStep = 0
    private var endStep = 0
    private var lent = false

    /// A loader over `loader`'s batches, in the background when `background` (by default
    /// the loader's `prefetch` setting).
    public init(_ loader: BatchLoader, background: Bool? = nil) {
        self.loader = loader
        self.background = background ?? loader.batch.prefetch
        inputs = (0..<2).map { _ in TensorStorage(loader.inputSpec) }
        targets = (0..<2).map { _ in TensorStorage(loader.targetSpec) }
    }

    deinit { stop() }

    /// Begins epoch `epoch` at batch `step` (0, or later when resuming a cut run); any
    /// epoch in progress is abandoned.
    public func start(epoch: Int, from step: Int = 0) {
        stop()
        order = loader.order(epoch: epoch)
        nextStep = min(max(step, 0), loader.stepsPerEpoch)
        endStep = loader.stepsPerEpoch
        guard background, nextStep < endStep else { return }
        let run = EpochRun()
        self.run = run
        let loader = self.loader, order = self.order, first = nextStep, last = endStep
        let xs = inputs.map(\.tensor), ts = targets.map(\.tensor)
        run.free.signal()
        run.free.signal()
        queue.async {
            for step in first..<last {
                run.free.wait()
                if run.cancelled.load(ordering: .acquiring) { return }
                loader.fill(step: step, of: order, x: xs[step % 2], target: ts[step % 2])
                run.ready.signal()
            }
        }
    }

    /// The next batch of the epoch, or nil when the epoch is over. Waits if the
    /// background thread has not finished it yet.
    public func next() -> Batch? {
        if lent {
            run?.free.signal()
            lent = false
        }
        guard nextStep < endStep else { return nil }
        let step = nextStep, slot = step % 2
        if let run {
            run.ready.wait()
        } else {
            loader.fill(step: step, of: order, x: inputs[slot].tensor, target: targets[slot].tensor)
        }
        nextStep += 1
        lent = true
        return Batch(
            x: inputs[slot].tensor, target: targets[slot].tensor, rows: loader.rows(step: step),
            epoch: order.epoch, step: step)
    }

    /// Copies the next batch into `x` and `target` (e.g. a plan's input buffers, which
    /// must have the loader's specs) and returns its valid rows, or nil when the epoch is over.
    public func next(into x: Tensor, target: Tensor) -> Int? {
        precondition(
            x.spec == loader.inputSpec && target.spec == loader.targetSpec,
            "buffers \(x.spec), \(target.spec) for batches \(loader.inputSpec), \(loader.targetSpec)")
        guard let batch = next() else { return nil }
        x.base.copyMemory(from: batch.x.base, byteCount: x.spec.byteCount)
        target.base.copyMemory(from: batch.target.base, byteCount: target.spec.byteCount)
        return batch.rows
    }

    /// Abandons the epoch in progress and waits for the background thread to finish.
    public func stop() {
        if let run {
            run.cancelled.store(true, ordering: .releasing)
            run.free.signal()
            queue.sync {}
        }
        run = nil
        lent = false
        nextStep = endStep
    }
}

/// The hand-over state of one epoch's producer. Semaphores start at 0 (buffers are
/// released by explicit signals), so they never end below their initial value.
private final class EpochRun: Sendable {
    /// Signalled once per buffer the producer may fill.
    let free = DispatchSemaphore(value: 0)
    /// Signalled once per filled buffer.
    let ready = DispatchSemaphore(value: 0)
    let cancelled = Atomic<Bool>(false)
}
