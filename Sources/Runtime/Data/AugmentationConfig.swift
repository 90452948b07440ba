/// How images become network inputs, as the torchvision pipeline
/// `Pad(padTo) -> RandomCrop(size, padding: randomCrop) or RandomResizedCrop(size) ->
/// RandomHorizontalFlip() -> ToTensor() -> Normalize(mean, std)`, e.g. `AugmentationConfig(randomCrop: 4,
/// horizontalFlip: true)` for the standard CIFAR recipe or `AugmentationConfig(padTo: 32)`
/// for Fashion-MNIST on a CIFAR backbone. A spec sets it through `data.pad_to`,
/// `data.crop_padding`, `data.random_resized_crop`, `data.flip` and `data.normalize` (see
/// ExperimentData).
///
/// Padding (both kinds) adds black pixels (value 0), which are then normalised like any
/// other pixel, so a padded pixel becomes -mean / std, exactly as in torchvision.
/// Evaluation uses `deterministic`: the same padding and normalisation, no random crop
/// and no flip.
public struct AugmentationConfig: Sendable, Equatable {
    /// Zero-pad every image to pad_to x pad_to before anything else (nil: keep its size).
    /// The image sits at offset ((pad_to - H) / 2, (pad_to - W) / 2), rounded down, so an
    /// odd difference puts the extra row and column at the bottom and right.
    public var padTo: Int?
    /// Random-crop padding p: pad p black pixels on every side, then crop back to the
    /// size at a uniformly random offset (0: no crop).
    public var randomCrop: Int
    /// torchvision's `RandomResizedCrop` of the (padded) image back to its size (scale
    /// 0.08-1, ratio 3/4-4/3; see `RandomResizedCrop`) in place of the padded random crop,
    /// before the flip.
    public var randomResizedCrop: Bool
    /// Flip left-right with probability 0.5.
    public var horizontalFlip: Bool
    /// Normalise each channel to (pixel / 255 - mean) / std; false gives pixel / 255.
    public var normalize: Bool
    /// Per-channel mean (pixel / 255 units); nil: the data set's.
    public var mean: [Float]?
    /// Per-channel standard deviation (pixel / 255 units); nil: the data set's.
    public var std: [Float]?

    public init(
        padTo: Int? = nil, randomCrop: Int = 0, randomResizedCrop: Bool = false, horizontalFlip: Bool = false,
        normalize: Bool = true, mean: [Float]? = nil, std: [Float]? = nil
    ) {
        self.padTo = padTo
        self.randomCrop = randomCrop
        self.randomResizedCrop = randomResizedCrop
        self.horizontalFlip = horizontalFlip
        self.normalize = normalize
        self.mean = mean
        self.std = std
    }

    /// The standard CIFAR training recipe: random crop with 4 pixels of padding and flips.
    public static let cifar = AugmentationConfig(randomCrop: 4, horizontalFlip: true)

    /// The same pipeline without its random parts, for evaluation.
    public var deterministic: AugmentationConfig {
        var copy = self
        copy.randomCrop = 0
        copy.randomResizedCrop = false
        copy.horizontalFlip = false
        return copy
    }

    /// Whether any step draws random numbers.
    public var isRandom: Bool { randomCrop > 0 || randomResizedCrop || horizontalFlip }

    /// Throws a `ParamError` naming the first key that cannot work for images of
    /// `channels` x `height` x `width`.
    public func validate(channels: Int, height: Int, width: Int) throws(ParamError) {
        if let size = padTo, size < max(height, width) {
            throw ParamError(path: ["pad_to"], "\(size) is smaller than the \(height)x\(width) images")
        }
        guard randomCrop >= 0 else { throw ParamError(path: ["random_crop"], "must be >= 0, got \(randomCrop)") }
        if randomResizedCrop && randomCrop > 0 {
            throw ParamError(path: ["random_resized_crop"], "replaces the padded random crop: remove crop_padding")
        }
        for (key, values) in [("mean", mean), ("std", std)] {
            guard let values else { continue }
            guard values.count == channels else {
                throw ParamError(path: [key], "needs one value per channel (\(channels)), got \(values.count)")
            }
            for (i, v) in values.enumerated() where !v.isFinite || (key == "std" && v <= 0) {
                throw ParamError(path: [key, String(i)], key == "std" ? "must be > 0, got \(v)" : "must be finite, got \(v)")
            }
        }
    }
}
