import CBLAS

/// Matrix product of two rank-2 tensors, y = alpha * op(a) op(b), op transposing when
/// asked (T2B's cross-correlation hat(h)_k^T hat(h)_l / B is `transpose_a`, alpha 1/B).
/// One cblas_sgemm forward; backward one product per requested gradient:
/// d op(a) = alpha dy op(b)^T, d op(b) = alpha op(a)^T dy.
public struct MatMul: Kernel {
    /// `transpose_a`, `transpose_b` (default false), `alpha` (default 1).
    public struct Params: PluginParams {
        @Param("use a^T (a is [K, M])") public var transposeA = false
        @Param("use b^T (b is [N, K])") public var transposeB = false
        @Param("constant factor on the product") public var alpha: Float = 1

        public init() {}

        public init(transposeA: Bool = false, transposeB: Bool = false, alpha: Float = 1) {
            self.init()
            (self.transposeA, self.transposeB, self.alpha) = (transposeA, transposeB, alpha)
        }
    }

    public static let name = "matmul"
    public static let summary = "y = alpha * op(a) op(b) for rank-2 a, b (op: optional transpose)"
    public static let inputNames = ["a", "b"]

    let ta: Bool, tb: Bool
    let alpha: Float
    let m: Int, n: Int, k: Int
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: []) }
    public var macs: Int { m * n * k }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let a = inputs[0], b = inputs[1]
        try KernelError.require(a.dtype == .float32 && a.shape.rank == 2, "matmul needs float32 rank-2 a, got \(a)", input: 0)
        try KernelError.require(b.dtype == .float32 && b.shape.rank == 2, "matmul needs float32 rank-2 b, got \(b)", input: 1)
        try KernelError.require(params.alpha.isFinite, "matmul alpha must be finite, got \(params.alpha)")
        ta = params.transposeA
        tb = params.transposeB
        alpha = params.alpha
        (m, k) = ta ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let kb = tb ? b.shape[1] : b.shape[0]
        n = tb ? b.shape[0] : b.shape[1]
        try KernelError.require(kb == k, "matmul: op(a) is [\(m), \(k)] but op(b) is [\(kb), \(n)]", input: 1)
        outputs = [TensorSpec([m, n])]
    }

    @inline(__always)
    func gemm(
        _ transA: Bool, _ transB: Bool, _ rows: Int, _ cols: Int, _ inner: Int, _ x: UnsafeMutablePointer<Float>,
        _ ldx: Int, _ w: UnsafeMutablePointer<Float>, _ ldw: Int, _ beta: Float, _ y: UnsafeMutablePointer<Float>
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(rows), Int32(cols), Int32(inner), alpha, x, Int32(ldx), w, Int32(ldw), beta, y, Int32(cols))
    }

    public func forward(_ call: KernelCall) {
        let a = call.inputs[0].f, b = call.inputs[1].f
        gemm(ta, tb, m, n, k, a, ta ? m : k, b, tb ? k : n, 0, call.outputs[0].f)
    }

    public func backward(_ call: KernelCall) {
        guard let gy = call.outputGrad(0)?.f else { return }
        let a = call.inputs[0].f, b = call.inputs[1].f
        if let ga = call.inputGrad(0)?.f {
            if ta {
                gemm(tb, true, k, m, n, b, tb ? k : n, gy, n, 1, ga)  // a is [K, M]: da = op(b) dy^T
            } else {
                gemm(false, !tb, m, k, n, gy, n, b, tb ? k : n, 1, ga)  // da = dy op(b)^T
            }
        }
        if let gb = call.inputGrad(1)?.f {
            if tb {
                gemm(true, ta, n, k, m, gy, n, a, ta ? m : k, 1, gb)  // b is [N, K]: db = dy^T op(a)
            } else {
                gemm(!ta, false, k, n, m, a, ta ? m : k, gy, n, 1, gb)  // db = op(a)^T dy
            }
        }
    }
}
