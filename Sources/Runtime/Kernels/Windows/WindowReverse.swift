/// Puts windows back together into a channels-last map [B, H, W, C]: the inverse of
/// `window_partition` over all channels.
///
/// `layout: heads` reads x [B * nH * nW, heads, h * w, d] and gives C = heads * d
/// (heads concatenated in order); `layout: channels_first` reads x [B * nH * nW, C, h, w].
/// `size` is the map's [H, W] (the window count alone does not fix it). Windows are
/// numbered row-major per image, image by image, tokens row-major inside a window.
/// Backward cuts dy into windows again and adds them into dx.
public struct WindowReverse: Kernel {
    /// `window` and `size` (both required), `layout`.
    public struct Params: Decodable, Sendable {
        public var window: SpatialPair
        public var size: SpatialPair
        public var layout: WindowLayout

        private enum CodingKeys: String, CodingKey { case window, size, layout }

        public init(window: SpatialPair, size: SpatialPair, layout: WindowLayout = .heads) {
            self.window = window
            self.size = size
            self.layout = layout
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let window = try c.decodeIfPresent(SpatialPair.self, forKey: .window)
            let size = try c.decodeIfPresent(SpatialPair.self, forKey: .size)
            layout = try c.decodeIfPresent(WindowLayout.self, forKey: .layout) ?? .heads
            guard let window, let size else {
                let key = window == nil ? "window" : "size"
                throw ParamError(path: [key], "missing required key '\(key)'")
            }
            self.window = window
            self.size = size
        }
    }

    public static let name = "window_reverse"
    public static let summary = "puts h x w windows (attention heads or per-window NCHW images) back into a channels-last map [B, H, W, C]"
    public static let parameters = [
        ParameterDoc("window", "int or [h, w]", "window height and width (required)"),
        ParameterDoc("size", "int or [H, W]", "height and width of the map (required); the window must divide them"),
        ParameterDoc(
            "layout", WindowLayout.choices, default: "heads",
            "heads: x [windows, heads, h*w, d]; channels_first: x [windows, C, h, w]"),
    ]
    public static let inputNames = ["x"]

    let grid: WindowGrid
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0], win = params.window, size = params.size
        try KernelError.require(x.dtype == .float32 && x.shape.rank == 4, "window_reverse needs float32 windows x of rank 4, got \(x)", input: 0)
        try KernelError.require(
            win.h >= 1 && win.w >= 1 && size.h >= 1 && size.w >= 1,
            "window_reverse window \(win) and size \(size) must be positive")
        try KernelError.require(
            size.h % win.h == 0 && size.w % win.w == 0,
            "window_reverse window \(win.h)x\(win.w) does not tile the \(size.h)x\(size.w) map")
        let perImage = (size.h / win.h) * (size.w / win.w)
        try KernelError.require(
            x.shape[0] % perImage == 0,
            "window_reverse x \(x.shape) holds \(x.shape[0]) windows, not a multiple of the \(perImage) windows per \(size.h)x\(size.w) map",
            input: 0)
        let channels: Int, heads: Int
        switch params.layout {
        case .heads:
            try KernelError.require(
                x.shape[2] == win.h * win.w,
                "window_reverse x \(x.shape) must be [windows, heads, \(win.h * win.w), d] for \(win.h)x\(win.w) windows",
                input: 0)
            heads = x.shape[1]
            channels = x.shape[1] * x.shape[3]
        case .channelsFirst:
            try KernelError.require(
                x.shape[2] == win.h && x.shape[3] == win.w,
                "window_reverse x \(x.shape) must be [windows, C, \(win.h), \(win.w)]", input: 0)
            heads = 1
            channels = x.shape[1]
        }
        grid = WindowGrid(
            batch: x.shape[0] / perImage, height: size.h, width: size.w, window: win, mapChannels: channels,
            start: 0, channels: channels, heads: heads, layout: params.layout, threads: threads)
        outputs = [TensorSpec(grid.mapShape)]
    }

    public func forward(_ call: KernelCall) {
        grid.transfer(map: call.outputs[0].f, windows: call.inputs[0].f, toWindows: false, accumulate: false)
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        grid.transfer(map: gy, windows: gx, toWindows: true, accumulate: true)
    }
}
