/// The params of the windowed 2-D pooling kernels (`maxpool2d`, `avgpool2d`):
/// `kernel` (int or [h, w], required), `stride` (int or [h, w], default: the kernel),
/// `padding` (int or [h, w], default 0, at most half the kernel as in PyTorch).
public struct Pool2DParams: PluginParams {
    @Param("window size", required: true) public var kernel = SpatialPair(1)
    /// Nil stands for the kernel; decoding fills it in.
    @Param("step of the window over the input", shownDefault: "kernel") public var stride: SpatialPair? = nil
    @Param("implicit padding on each side, at most half the kernel") public var padding = SpatialPair(0)

    public init() {}

    public init(kernel: SpatialPair, stride: SpatialPair? = nil, padding: SpatialPair = SpatialPair(0)) {
        self.init()
        (self.kernel, self.stride, self.padding) = (kernel, stride ?? kernel, padding)
    }

    /// The stride defaults to the kernel.
    public mutating func fillDerivedDefaults() {
        if stride == nil { stride = kernel }
    }

    /// Validates an NCHW float input `x` and returns the pooling window over it.
    func window(over x: TensorSpec, kernelName: String) throws(KernelError) -> Window2D {
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank == 4,
            "\(kernelName): input x must be float32 [N, C, H, W], got \(x)", input: 0)
        try KernelError.require(
            padding.h <= kernel.h / 2 && padding.w <= kernel.w / 2,
            "\(kernelName): padding \(padding) must be at most half the kernel \(kernel)")
        return try Window2D(
            inH: x.shape[2], inW: x.shape[3], kernel: kernel, stride: stride ?? kernel, padding: padding,
            kernelName: kernelName)
    }
}
