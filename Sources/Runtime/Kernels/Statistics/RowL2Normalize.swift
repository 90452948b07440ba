/// Each row divided by its L2 norm over the last axis, the norm clamped below at `eps`:
/// y_r = x_r / max(|x_r|, eps) (PyTorch's F.normalize(x, dim=-1, eps)); MDE's scale-free
/// classifier diversification normalises each class row of a branch's fc weight
/// (docs/methods.md#mde). Norms and dot products are accumulated in Double.
///
/// Backward, with n = |x_r|: where n > eps, dx = (dy - y (y . dy)) / n (the direction's
/// Jacobian); where n <= eps the divisor is the constant eps, dx = dy / eps.
public struct RowL2Normalize: Kernel {
    /// `eps`, default 1e-12.
    public struct Params: PluginParams {
        @Param("lower clamp of the row norm", type: "number > 0") public var eps = 1e-12

        public init() {}

        public init(eps: Double = 1e-12) {
            self.init()
            self.eps = eps
        }
    }

    public static let name = "l2_normalize"
    public static let summary = "y[r] = x[r, :] / max(L2 norm of x[r, :], eps) over the last axis"
    public static let inputNames = ["x"]

    let eps: Double
    let rows: Int
    let columns: Int
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank >= 1 && x.shape[-1] >= 1,
            "l2_normalize needs float32 input x [..., N], got \(x)", input: 0)
        try KernelError.require(params.eps > 0 && params.eps.isFinite, "l2_normalize eps must be greater than 0, got \(params.eps)")
        eps = params.eps
        columns = x.shape[-1]
        rows = x.shape.count / columns
        outputs = [x]
    }

    /// The L2 norm of row `r`.
    @inline(__always)
    func norm(_ x: UnsafeMutablePointer<Float>, row r: Int) -> Double {
        var squares = 0.0
        for j in 0..<columns {
            let v = Double(x[r * columns + j])
            squares += v * v
        }
        return squares.squareRoot()
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        for r in 0..<rows {
            let a = 1 / max(norm(x, row: r), eps)
            for j in 0..<columns { y[r * columns + j] = Float(Double(x[r * columns + j]) * a) }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f
        for r in 0..<rows {
            let n = norm(x, row: r)
            guard n > eps else {
                for j in 0..<columns { gx[r * columns + j] += Float(Double(gy[r * columns + j]) / eps) }
                continue
            }
            var dot = 0.0  // y . dy
            for j in 0..<columns { dot += Double(x[r * columns + j]) / n * Double(gy[r * columns + j]) }
            for j in 0..<columns {
                let i = r * columns + j
                gx[i] += Float((Double(gy[i]) - Double(x[i]) / n * dot) / n)
            }
        }
    }
}
