/// The params of the windowed 2-D pooling kernels (`maxpool2d`, `avgpool2d`):
/// `kernel` (int or [h, w], required), `stride` (int or [h, w], default: the kernel),
/// `padding` (int or [h, w], default 0, at most half the kernel as in PyTorch).
public struct Pool2DParams: Decodable, Sendable {
    public var kernel: SpatialPair
    public var stride: SpatialPair
    public var padding: SpatialPair

    public init(kernel: SpatialPair, stride: SpatialPair? = nil, padding: SpatialPair = SpatialPair(0)) {
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
    }

    enum CodingKeys: String, CodingKey { case kernel, stride, padding }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            kernel: try c.decode(SpatialPair.self, forKey: .kernel),
            stride: try c.decodeIfPresent(SpatialPair.self, forKey: .stride),
            padding: try c.decodeIfPresent(SpatialPair.self, forKey: .padding) ?? SpatialPair(0))
    }

    /// The documentation of these params, for `canopy plugins`.
    static let docs: [ParameterDoc] = [
        ParameterDoc("kernel", "int or [h, w]", "window size"),
        ParameterDoc("stride", "int or [h, w]", default: "kernel", "step of the window over the input"),
        ParameterDoc("padding", "int or [h, w]", default: "0", "implicit padding on each side, at most half the kernel"),
    ]

    /// Validates an NCHW float input `x` and returns the pooling window over it.
    func window(over x: TensorSpec, kernelName: String) throws(KernelError) -> Window2D {
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank == 4,
            "\(kernelName): input x must be float32 [N, C, H, W], got \(x)", input: 0)
        try KernelError.require(
            padding.h <= kernel.h / 2 && padding.w <= kernel.w / 2,
            "\(kernelName): padding \(padding) must be at most half the kernel \(kernel)")
        return try Window2D(
            inH: x.shape[2], inW: x.shape[3], kernel: kernel, stride: stride, padding: padding,
            kernelName: kernelName)
    }
}
