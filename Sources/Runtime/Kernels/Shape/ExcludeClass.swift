/// Drops each row's target column: x [B, C] and integer targets [B] give y [B, C-1],
/// row b holding x[b, :] without column target[b] (T2B's variant-B decorrelation looks
/// only at the non-target classes). Backward scatters dy back around the dropped column.
/// A target outside 0..<C drops nothing and keeps the first C-1 columns.
public struct ExcludeClass: Kernel {
    /// No params.
    public struct Params: Codable, Sendable { public init() {} }
    public static let name = "exclude_class"
    public static let summary = "y[b] = x[b, :] without column target[b]: [B, C] -> [B, C-1]"
    public static let parameters: [ParameterDoc] = []
    public static let inputNames = ["x", "target"]

    let rows: Int
    let columns: Int
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [1], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let x = inputs[0], t = inputs[1]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank == 2 && x.shape[1] >= 2,
            "exclude_class needs float32 x [B, C] with C >= 2, got \(x)", input: 0)
        try KernelError.require(
            t.dtype == .int32 && t.shape.dims == [x.shape[0]],
            "exclude_class needs int32 targets [\(x.shape[0])], got \(t)", input: 1)
        rows = x.shape[0]
        columns = x.shape[1]
        outputs = [TensorSpec([rows, columns - 1])]
    }

    /// The column of row b that is dropped.
    @inline(__always)
    func dropped(_ t: UnsafeMutablePointer<Int32>, _ b: Int) -> Int {
        let c = Int(t[b])
        return c >= 0 && c < columns ? c : columns - 1
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, t = call.inputs[1].i, y = call.outputs[0].f
        for b in 0..<rows {
            let skip = dropped(t, b), src = x + b * columns, dst = y + b * (columns - 1)
            for j in 0..<skip { dst[j] = src[j] }
            for j in (skip + 1)..<columns { dst[j - 1] = src[j] }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let t = call.inputs[1].i
        for b in 0..<rows {
            let skip = dropped(t, b), dst = gx + b * columns, src = gy + b * (columns - 1)
            for j in 0..<skip { dst[j] += src[j] }
            for j in (skip + 1)..<columns { dst[j] += src[j - 1] }
        }
    }
}
