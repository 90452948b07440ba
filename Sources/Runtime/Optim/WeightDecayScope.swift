/// Which parameters an optimizer's weight decay applies to; the `weight_decay_applies_to`
/// param of every optimizer.
///
/// - `all`: every parameter, as a plain PyTorch optimizer does.
/// - `matrices`: only parameters with two or more dimensions (conv and linear weights,
///   embeddings); biases, normalisation scales and shifts and layer scales (all 1-D) are
///   exempt, the rule of timm and of the ConvNeXt and CSWin training recipes.
public enum WeightDecayScope: String, ParamChoice {
    case all
    case matrices

    /// The per-element decay factors (1 or 0) for parameters of `shapes` laid out one
    /// after another in a flat buffer; nil when every factor would be 1, so no buffer is needed.
    public func scales(for shapes: [Shape]) -> [Float]? {
        switch self {
        case .all:
            return nil
        case .matrices:
            var scales: [Float] = []
            scales.reserveCapacity(shapes.reduce(0) { $0 + $1.count })
            for shape in shapes {
                scales.append(contentsOf: repeatElement(shape.rank >= 2 ? 1 : 0, count: shape.count))
            }
            return scales
        }
    }
}
