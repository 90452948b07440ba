/// The sizes of one 2-D convolution over NCHW tensors: batch, channels, groups and the
/// sliding window. Group `g` maps input channels `g * inPerGroup ..< (g + 1) * inPerGroup`
/// to output channels `g * outPerGroup ..< (g + 1) * outPerGroup`.
public struct ConvGeometry: Sendable, Hashable {
    public let batch: Int
    public let inChannels: Int
    public let outChannels: Int
    public let groups: Int
    public let window: Window2D

    public init(batch: Int, inChannels: Int, outChannels: Int, groups: Int, window: Window2D) {
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.groups = groups
        self.window = window
    }

    /// Input channels per group.
    public var inPerGroup: Int { inChannels / groups }
    /// Output channels per group.
    public var outPerGroup: Int { outChannels / groups }
    /// Weights per output channel: inPerGroup * kh * kw (the rows of a group's column matrix).
    public var patch: Int { inPerGroup * window.kernel.h * window.kernel.w }
    /// Elements of one input sample.
    public var inSample: Int { inChannels * window.inPlane }
    /// Elements of one output sample.
    public var outSample: Int { outChannels * window.outPlane }
    /// Multiply-adds of one forward pass.
    public var macs: Int { batch * outChannels * patch * window.outPlane }
}
