/// The geometry of a 2-D sliding window over an `[H, W]` plane, as convolution and
/// pooling use it (PyTorch's floor mode): output row `oh` reads input rows
/// `oh * stride.h - padding.h + i * dilation.h` for `i` in `0..<kernel.h`, and so on
/// for columns; positions outside the plane are padding.
public struct Window2D: Sendable, Hashable {
    public let inH: Int, inW: Int
    public let kernel: SpatialPair, stride: SpatialPair, padding: SpatialPair, dilation: SpatialPair
    public let outH: Int, outW: Int

    /// Validates the window for an `[inH, inW]` input; problems are reported against
    /// input 0 of `kernelName`.
    public init(
        inH: Int, inW: Int, kernel: SpatialPair, stride: SpatialPair, padding: SpatialPair,
        dilation: SpatialPair = SpatialPair(1), kernelName: String
    ) throws(KernelError) {
        try KernelError.require(kernel.h >= 1 && kernel.w >= 1, "\(kernelName): kernel size must be positive, got \(kernel)")
        try KernelError.require(stride.h >= 1 && stride.w >= 1, "\(kernelName): stride must be positive, got \(stride)")
        try KernelError.require(padding.h >= 0 && padding.w >= 0, "\(kernelName): padding must not be negative, got \(padding)")
        try KernelError.require(dilation.h >= 1 && dilation.w >= 1, "\(kernelName): dilation must be positive, got \(dilation)")
        let spanH = dilation.h * (kernel.h - 1) + 1, spanW = dilation.w * (kernel.w - 1) + 1
        try KernelError.require(
            inH + 2 * padding.h >= spanH && inW + 2 * padding.w >= spanW,
            "\(kernelName): input x of \(inH)x\(inW) (padding \(padding)) is smaller than the window \(spanH)x\(spanW)",
            input: 0)
        self.inH = inH
        self.inW = inW
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        outH = (inH + 2 * padding.h - spanH) / stride.h + 1
        outW = (inW + 2 * padding.w - spanW) / stride.w + 1
    }

    /// Elements of one input plane.
    public var inPlane: Int { inH * inW }
    /// Elements of one output plane.
    public var outPlane: Int { outH * outW }

    /// The output rows whose input row for kernel row `i` lies inside the plane.
    public func validRows(tap i: Int) -> Range<Int> {
        Self.valid(offset: i * dilation.h - padding.h, stride: stride.h, input: inH, output: outH)
    }

    /// The output columns whose input column for kernel column `j` lies inside the plane.
    public func validColumns(tap j: Int) -> Range<Int> {
        Self.valid(offset: j * dilation.w - padding.w, stride: stride.w, input: inW, output: outW)
    }

    /// The outputs `o` in `0..<output` with `0 <= o * stride + offset < input`.
    static func valid(offset: Int, stride: Int, input: Int, output: Int) -> Range<Int> {
        let lo = offset >= 0 ? 0 : (stride - 1 - offset) / stride
        let last = input - 1 - offset
        let hi = last < 0 ? 0 : min(last / stride + 1, output)
        return min(lo, hi)..<hi
    }
}
