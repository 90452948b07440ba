/// A fixed spatial mask: x [N, C, H, W] times a binary [H, W] mask, the same for every
/// sample and channel, that zeroes one (H / `divisor`) x (W / `divisor`) square at a
/// corner (CSS's feature-level transformations, docs/methods.md#css). The top-right
/// square is the whole square (the official code zeroes only its first column).
/// Backward: dx = dy * mask.
public struct SpatialMask: Kernel {
    /// The corner whose square is zeroed.
    public enum Corner: String, ParamChoice {
        case topLeft = "top_left"
        case bottomRight = "bottom_right"
        case bottomLeft = "bottom_left"
        case topRight = "top_right"
    }

    /// `corner` and the square's `divisor`.
    public struct Params: PluginParams {
        @Param("the corner whose square is zeroed")
        public var corner = Corner.topLeft
        @Param("the square's side is H / divisor by W / divisor (CSS: 4)", .between(1, 1024))
        public var divisor = 4

        public init() {}

        public init(corner: Corner, divisor: Int) {
            self.init()
            self.corner = corner
            self.divisor = divisor
        }
    }
    public static let name = "spatial_mask"
    public static let summary = "y = x * mask, mask [H, W] zero on a corner square of side H/divisor x W/divisor (CSS transformations)"
    public static let inputNames = ["x"]

    let planes: Int
    let height: Int
    let width: Int
    /// The zeroed rows and columns.
    let rows: Range<Int>
    let columns: Range<Int>
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(x.dtype == .float32 && x.shape.rank == 4, "spatial_mask needs float32 x [N, C, H, W], got \(x)", input: 0)
        planes = x.shape[0] * x.shape[1]
        height = x.shape[2]
        width = x.shape[3]
        let (h, w) = (height / params.divisor, width / params.divisor)
        switch params.corner {
        case .topLeft: (rows, columns) = (0..<h, 0..<w)
        case .bottomRight: (rows, columns) = (height - h..<height, width - w..<width)
        case .bottomLeft: (rows, columns) = (height - h..<height, 0..<w)
        case .topRight: (rows, columns) = (0..<h, width - w..<width)
        }
        outputs = [x]
    }

    /// dst = src * mask over every plane (dst += when `accumulate`).
    func masked(_ src: UnsafeMutablePointer<Float>, _ dst: UnsafeMutablePointer<Float>, accumulate: Bool) {
        for p in 0..<planes {
            for r in 0..<height {
                let base = (p * height + r) * width
                let zeroed = rows.contains(r)
                for c in 0..<width {
                    let v = zeroed && columns.contains(c) ? 0 : src[base + c]
                    if accumulate { dst[base + c] += v } else { dst[base + c] = v }
                }
            }
        }
    }

    public func forward(_ call: KernelCall) {
        masked(call.inputs[0].f, call.outputs[0].f, accumulate: false)
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        masked(gy, gx, accumulate: true)
    }
}
