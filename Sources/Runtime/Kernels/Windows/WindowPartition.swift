/// Cuts a channels-last map x [B, H, W, C] into non-overlapping windows, for windowed
/// and stripe attention (CSWin: vertical stripes are windows [H, split], horizontal
/// stripes [split, W], full attention one window [H, W]).
///
/// Only channels `start ..< start + channels` are taken, so q, k and v of one attention
/// branch come straight out of a fused qkv tensor. Windows are numbered row-major per
/// image, image by image; tokens are row-major inside a window. `layout: heads` gives
/// [B * nH * nW, heads, h * w, channels / heads] (heads are contiguous channel groups),
/// the input of `attention`; `layout: channels_first` gives [B * nH * nW, channels, h, w],
/// each window an image of its own. Backward adds dy back into the taken channels of dx.
public struct WindowPartition: Kernel {
    /// `window` (required), `start`, `channels`, `heads`, `layout`.
    public struct Params: Decodable, Sendable {
        public var window: SpatialPair
        public var start: Int
        public var channels: Int?
        public var heads: Int
        public var layout: WindowLayout

        private enum CodingKeys: String, CodingKey { case window, start, channels, heads, layout }

        public init(window: SpatialPair, start: Int = 0, channels: Int? = nil, heads: Int = 1, layout: WindowLayout = .heads) {
            self.window = window
            self.start = start
            self.channels = channels
            self.heads = heads
            self.layout = layout
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let window = try c.decodeIfPresent(SpatialPair.self, forKey: .window)
            start = try c.decodeIfPresent(Int.self, forKey: .start) ?? 0
            channels = try c.decodeIfPresent(Int.self, forKey: .channels)
            heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? 1
            layout = try c.decodeIfPresent(WindowLayout.self, forKey: .layout) ?? .heads
            guard let window else { throw ParamError(path: ["window"], "missing required key 'window'") }
            self.window = window
        }
    }

    public static let name = "window_partition"
    public static let summary = "cuts channels-last x [B, H, W, C] into h x w windows (attention heads or per-window NCHW images)"
    public static let parameters = [
        ParameterDoc("window", "int or [h, w]", "window height and width (required); they must divide H and W"),
        ParameterDoc("start", "int", default: "0", "first channel of x taken"),
        ParameterDoc("channels", "int", default: "C - start", "number of channels taken"),
        ParameterDoc("heads", "int", default: "1", "heads the taken channels split into (layout heads only); must divide channels"),
        ParameterDoc(
            "layout", WindowLayout.choices, default: "heads",
            "heads: [windows, heads, h*w, channels/heads]; channels_first: [windows, channels, h, w]"),
    ]
    public static let inputNames = ["x"]

    let grid: WindowGrid
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank == 4,
            "window_partition needs float32 channels-last x [B, H, W, C], got \(x)", input: 0)
        let (h, w, c) = (x.shape[1], x.shape[2], x.shape[3])
        let win = params.window
        try KernelError.require(win.h >= 1 && win.w >= 1, "window_partition window must be positive, got \(win)")
        try KernelError.require(
            h % win.h == 0 && w % win.w == 0,
            "window_partition window \(win.h)x\(win.w) does not tile the \(h)x\(w) map of x \(x.shape)", input: 0)
        let channels = params.channels ?? c - params.start
        try KernelError.require(
            params.start >= 0 && channels >= 1 && params.start + channels <= c,
            "window_partition channels \(params.start)..<\(params.start + channels) are outside the \(c) channels of x \(x.shape)",
            input: 0)
        try KernelError.require(
            params.heads >= 1 && channels % params.heads == 0,
            "window_partition heads \(params.heads) must divide the \(channels) channels taken")
        try KernelError.require(params.layout == .heads || params.heads == 1, "window_partition heads applies to layout heads only")
        grid = WindowGrid(
            batch: x.shape[0], height: h, width: w, window: win, mapChannels: c, start: params.start,
            channels: channels, heads: params.heads, layout: params.layout, threads: threads)
        outputs = [TensorSpec(grid.windowShape)]
    }

    public func forward(_ call: KernelCall) {
        grid.transfer(map: call.inputs[0].f, windows: call.outputs[0].f, toWindows: true, accumulate: false)
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        grid.transfer(map: gx, windows: gy, toWindows: false, accumulate: true)
    }
}
