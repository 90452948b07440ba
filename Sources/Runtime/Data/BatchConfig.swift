/// How a loader groups images into batches: `BatchConfig(batchSize: 128, shuffle: true,
/// dropLast: true)`. A spec sets the batch size (`data.batch_size`); training shuffles and
/// drops the last partial batch, evaluation (`evaluation(batchSize:)`) does neither.
///
/// Plans have a fixed batch size, so a batch always fills the whole input tensor. When
/// the images do not divide evenly, `drop_last` skips the final partial batch of an
/// epoch (the training default); otherwise that batch has fewer valid rows and its
/// remaining rows are padding that the caller must ignore (see `BatchLoader.fill`), or,
/// with `completeLast`, the epoch's first images again.
public struct BatchConfig: Sendable, Equatable {
    /// Images per batch (the plan's batch dimension).
    public var batchSize: Int
    /// Visit the images in a new seeded order every epoch; false keeps index order.
    public var shuffle: Bool
    /// Skip the last batch of an epoch when it would be partial.
    public var dropLast: Bool
    /// Prepare the next batch on a background thread while the caller computes.
    public var prefetch: Bool
    /// Without `dropLast`: complete a partial last batch with the epoch's first images
    /// (seen twice in that epoch) instead of padding rows. Training needs it: a training
    /// step cannot ignore rows, so padding would be trained on as images of class 0.
    public var completeLast: Bool

    public init(batchSize: Int = 128, shuffle: Bool = true, dropLast: Bool = true, prefetch: Bool = true, completeLast: Bool = false) {
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.dropLast = dropLast
        self.prefetch = prefetch
        self.completeLast = completeLast
    }

    /// Evaluation batching: index order, every image (a final partial batch), prefetched.
    public static func evaluation(batchSize: Int) -> BatchConfig {
        BatchConfig(batchSize: batchSize, shuffle: false, dropLast: false)
    }

    /// Throws a `ParamError` unless batch_size >= 1.
    public func validate() throws(ParamError) {
        guard batchSize >= 1 else { throw ParamError(path: ["batch_size"], "must be >= 1, got \(batchSize)") }
    }
}
