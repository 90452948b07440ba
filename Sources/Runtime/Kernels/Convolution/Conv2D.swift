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
/// im2col + sgemm reference, or a direct loop for depthwise convolutions (groups == in
/// == out channels), which is faster there and is tested against the reference.
public struct Conv2D: Kernel {
    public struct Params: Decodable, Sendable {
        public var stride: SpatialPair
        public var padding: SpatialPair
        public var dilation: SpatialPair
        public var groups: Int

        public init(
            stride: SpatialPair = SpatialPair(1), padding: SpatialPair = SpatialPair(0),
            dilation: SpatialPair = SpatialPair(1), groups: Int = 1
        ) {
            self.stride = stride
            self.padding = padding
            self.dilation = dilation
            self.groups = groups
        }

        enum CodingKeys: String, CodingKey { case stride, padding, dilation, groups }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                stride: try c.decodeIfPresent(SpatialPair.self, forKey: .stride) ?? SpatialPair(1),
                padding: try c.decodeIfPresent(SpatialPair.self, forKey: .padding) ?? SpatialPair(0),
                dilation: try c.decodeIfPresent(SpatialPair.self, forKey: .dilation) ?? SpatialPair(1),
                groups: try c.decodeIfPresent(Int.self, forKey: .groups) ?? 1)
        }
    }

    /// The algorithms `Conv2D` can run.
    public enum Method: String, Sendable, CaseIterable {
        /// im2col + sgemm per sample and group: the reference, for every configuration.
        case im2col
        /// Direct shifted multiply-adds per channel; only for groups == in == out channels.
        case depthwiseDirect
    }

    public static let name = "conv2d"
    public static let summary = "2-D convolution, NCHW, weight [out, in/groups, kh, kw], optional bias"
    public static let parameters: [ParameterDoc] = [
        ParameterDoc("stride", "int or [h, w]", default: "1", "step of the window over the input"),
        ParameterDoc("padding", "int or [h, w]", default: "0", "zeros added on each side of the input"),
        ParameterDoc("dilation", "int or [h, w]", default: "1", "spacing between kernel taps"),
        ParameterDoc("groups", "int", default: "1", "channel groups; in and out channels must both divide by it (groups = in = out: depthwise)"),
    ]
    public static let inputNames = ["x", "weight", "bias"]
    public static let optionalInputs = 1

    public let geometry: ConvGeometry
    public let method: Method
    public let outputs: [TensorSpec]
    public var macs: Int { geometry.macs }
    private let algorithm: any ConvolutionAlgorithm
    private let hasBias: Bool

    public var workspaceBytes: Int { algorithm.workspaceBytes }
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        try self.init(params: params, inputs: inputs, method: nil, threads: threads)
    }

    /// Builds the kernel with a chosen algorithm; nil picks the fastest that fits
    /// (direct for depthwise, im2col otherwise). Requesting `depthwiseDirect` for a
    /// convolution that is not depthwise is an error.
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
        let chosen = method ?? (depthwise ? .depthwiseDirect : .im2col)
        try KernelError.require(
            chosen != .depthwiseDirect || depthwise,
            "conv2d: depthwiseDirect needs groups == in channels == out channels")
        self.method = chosen
        switch chosen {
        case .im2col: algorithm = Im2ColConvolution(geometry, threads: threads)
        case .depthwiseDirect: algorithm = DepthwiseConvolution(geometry, threads: threads)
        }
        outputs = [TensorSpec([geometry.batch, cout, window.outH, window.outW])]
    }

    public func forward(_ call: KernelCall) {
        algorithm.forward(
            x: call.inputs[0].f, weight: call.inputs[1].f, bias: hasBias ? UnsafePointer(call.inputs[2].f) : nil,
            y: call.outputs[0].f, workspace: call.workspace.map { $0.assumingMemoryBound(to: Float.self) })
    }

    public func backward(_ call: KernelCall) {
        guard let dy = call.outputGrad(0)?.f else { return }
        let dx = call.inputGrad(0)?.f, dw = call.inputGrad(1)?.f
        if dx != nil || dw != nil {
            algorithm.backward(
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
