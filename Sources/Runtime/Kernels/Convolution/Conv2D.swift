/// 2-D convolution over NCHW input with a PyTorch-layout weight `[out, in/groups, kh, kw]`
/// and an optional bias `[out]`; any kernel size, stride, padding and dilation, grouped
/// and depthwise.
///
/// Params: `stride` (int or [h, w], default 1), `padding` (int or [h, w], default 0),
/// `dilation` (int or [h, w], default 1), `groups` (int, default 1).
/// Inputs: `x` [N, in, H, W], `weight` [out, in/groups, kh, kw], optional `bias` [out].
/// Output: `y` [N, out, outH, outW] with `outH = (H + 2 * padding - dilation * (kh - 1) - 1) / stride + 1`.
///
/// How it is computed is the business of a `ConvolutionAlgorithm` picked at init: the
/// im2col + sgemm reference, a direct loop for depthwise convolutions (groups == in
/// == out channels), or Winograd F(2x2, 3x3) for stride-1 3x3 ones; each is tested
/// against the reference.
public struct Conv2D: Kernel {
    /// `stride`, `padding`, `dilation` and `groups`.
    public struct Params: PluginParams {
        @Param("step of the window over the input") public var stride = SpatialPair(1)
        @Param("zeros added on each side of the input") public var padding = SpatialPair(0)
        @Param("spacing between kernel taps") public var dilation = SpatialPair(1)
        @Param("channel groups; in and out channels must both divide by it (groups = in = out: depthwise)")
        public var groups = 1

        public init() {}

        public init(
            stride: SpatialPair = SpatialPair(1), padding: SpatialPair = SpatialPair(0),
            dilation: SpatialPair = SpatialPair(1), groups: Int = 1
        ) {
            self.init()
            (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
        }
    }

    /// The algorithms `Conv2D` can run.
    public enum Method: String, Sendable, CaseIterable {
        /// im2col + sgemm per sample and group: the reference, for every configuration.
        case im2col
        /// Direct shifted multiply-adds per channel; only for groups == in == out channels.
        case depthwiseDirect
        /// Winograd F(2x2, 3x3); only for ungrouped stride-1 3x3 kernels without dilation
        /// and with padding at most 2.
        case winograd
    }

    public static let name = "conv2d"
    public static let summary = "2-D convolution, NCHW, weight [out, in/groups, kh, kw], optional bias"
    public static let inputNames = ["x", "weight", "bias"]
    public static let optionalInputs = 1

    public let geometry: ConvGeometry
    public let method: Method
    public let outputs: [TensorSpec]
    public var macs: Int { geometry.macs }
    public var algorithm: String? { method.rawValue }
    private let implementation: any ConvolutionAlgorithm
    private let hasBias: Bool

    public var workspaceBytes: Int { implementation.workspaceBytes }
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        try self.init(params: params, inputs: inputs, method: nil, threads: threads)
    }

    /// Builds the kernel with a chosen algorithm; nil picks the fastest that fits (direct
    /// for depthwise, Winograd for stride-1 3x3 kernels with at least
    /// `winogradChannels` channels in and out, im2col otherwise). Requesting an algorithm
    /// that does not fit the convolution is an error.
    public init(params: Params, inputs: [TensorSpec], method: Method?, threads: Int = 1) throws(KernelError) {
        let x = inputs[0], w = inputs[1]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank == 4,
            "conv2d: input x must be float32 [N, C, H, W], got \(x)", input: 0)
        try KernelError.require(
            w.dtype == .float32 && w.shape.rank == 4,
            "conv2d: input weight must be float32 [out, in/groups, kh, kw], got \(w)", input: 1)
        let groups = params.groups, cin = x.shape[1], cout = w.shape[0]
        try KernelError.require(groups >= 1, "conv2d: groups must be at least 1, got \(groups)")
        try KernelError.require(
            cin % groups == 0,
            "conv2d: input x has \(cin) channels, which groups = \(groups) does not divide", input: 0)
        try KernelError.require(
            cout % groups == 0,
            "conv2d: input weight has \(cout) output channels, which groups = \(groups) does not divide", input: 1)
        try KernelError.require(
            w.shape[1] == cin / groups,
            "conv2d: input weight \(w.shape) expects \(w.shape[1] * groups) input channels (\(w.shape[1]) per group x \(groups) groups), but x \(x.shape) has \(cin)",
            input: 1)
        hasBias = inputs.count > 2
        if hasBias {
            try KernelError.require(
                inputs[2].dtype == .float32 && inputs[2].shape == [cout],
                "conv2d: input bias must be float32 [\(cout)], got \(inputs[2])", input: 2)
        }
        let window = try Window2D(
            inH: x.shape[2], inW: x.shape[3], kernel: SpatialPair(w.shape[2], w.shape[3]),
            stride: params.stride, padding: params.padding, dilation: params.dilation,
            kernelName: Self.name)
        geometry = ConvGeometry(batch: x.shape[0], inChannels: cin, outChannels: cout, groups: groups, window: window)
        let depthwise = groups == cin && groups == cout
        let winograd = WinogradConvolution.applies(to: geometry)
        let chosen = method ?? Self.defaultMethod(geometry, depthwise: depthwise, winograd: winograd)
        try KernelError.require(
            chosen != .depthwiseDirect || depthwise,
            "conv2d: depthwiseDirect needs groups == in channels == out channels")
        try KernelError.require(
            chosen != .winograd || winograd,
            "conv2d: winograd needs one group and a 3x3 kernel with stride 1, dilation 1 and padding at most 2")
        self.method = chosen
        switch chosen {
        case .im2col: implementation = Im2ColConvolution(geometry, threads: threads)
        case .depthwiseDirect: implementation = DepthwiseConvolution(geometry, threads: threads)
        case .winograd: implementation = WinogradConvolution(geometry, threads: threads)
        }
        outputs = [TensorSpec([geometry.batch, cout, window.outH, window.outW])]
    }

    /// Fewest input and output channels for which `conv2d` picks Winograd. Measured
    /// (docs/performance.md): 32- and 64-channel layers run 1.5-3x faster than im2col,
    /// 16-channel ones only about 1.2x in release builds and far slower in debug builds
    /// (generic SIMD code unoptimized), where the test suite trains small networks.
    public static let winogradChannels = 32

    private static func defaultMethod(_ g: ConvGeometry, depthwise: Bool, winograd: Bool) -> Method {
        if depthwise { return .depthwiseDirect }
        if winograd && g.inChannels >= winogradChannels && g.outChannels >= winogradChannels { return .winograd }
        return .im2col
    }

    public func forward(_ call: KernelCall) {
        implementation.forward(
            x: call.inputs[0].f, weight: call.inputs[1].f, bias: hasBias ? UnsafePointer(call.inputs[2].f) : nil,
            y: call.outputs[0].f, workspace: call.workspace.map { $0.assumingMemoryBound(to: Float.self) })
    }

    public func backward(_ call: KernelCall) {
        guard let dy = call.outputGrad(0)?.f else { return }
        let dx = call.inputGrad(0)?.f, dw = call.inputGrad(1)?.f
        if dx != nil || dw != nil {
            implementation.backward(
                x: call.inputs[0].f, weight: call.inputs[1].f, dy: dy, dx: dx, dweight: dw,
                workspace: call.workspace.map { $0.assumingMemoryBound(to: Float.self) })
        }
        if hasBias, let db = call.inputGrad(2)?.f { addBiasGradient(dy, into: db) }
    }

    /// `db[c] += sum over samples and positions of dy[n, c, :, :]`, accumulated in Double.
    private func addBiasGradient(_ dy: UnsafePointer<Float>, into db: UnsafeMutablePointer<Float>) {
        let p = geometry.window.outPlane
        for c in 0..<geometry.outChannels {
            var sum = 0.0
            for n in 0..<geometry.batch {
                let plane = dy + (n * geometry.outChannels + c) * p
                for i in 0..<p { sum += Double(plane[i]) }
            }
            db[c] += Float(sum)
        }
    }
}
