/// The layer conventions of a backbone family, so a method that adds layers next to a
/// backbone (T2B's one-layer branches) builds them in the backbone's own style: ResNets
/// use BatchNorm and ReLU on feature maps, ConvNeXt LayerNorm and GELU on feature maps,
/// vision transformers LayerNorm and GELU on tokens.
public struct LayerStyle: Hashable, Sendable {
    /// The normalisation the family uses.
    public enum Norm: String, Sendable { case batch, layer }
    /// The activation the family uses.
    public enum Activation: String, Sendable { case relu, gelu }
    /// How the family's own layers treat stage features: as NCHW maps (convolutions)
    /// or as token sequences (token-wise MLPs and attention).
    public enum Features: String, Sendable { case maps, tokens }

    /// The normalisation after a convolution or linear layer.
    public var norm: Norm
    /// The activation after the norm.
    public var activation: Activation
    /// Maps or tokens.
    public var features: Features

    public init(norm: Norm, activation: Activation, features: Features) {
        self.norm = norm
        self.activation = activation
        self.features = features
    }

    /// BatchNorm, ReLU, feature maps (ResNets); the default for a backbone plugin.
    public static let convolutional = LayerStyle(norm: .batch, activation: .relu, features: .maps)
    /// LayerNorm, GELU, feature maps (ConvNeXt).
    public static let modernConvolutional = LayerStyle(norm: .layer, activation: .gelu, features: .maps)
    /// LayerNorm, GELU, tokens (CSWin and other vision transformers).
    public static let transformer = LayerStyle(norm: .layer, activation: .gelu, features: .tokens)
}
