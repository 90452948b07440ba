/// Gaussian error linear unit in its exact form, y = x * Phi(x) with
/// Phi(x) = (1 + erf(x / sqrt 2)) / 2, elementwise over any shape (PyTorch's
/// `gelu(approximate="none")`; the golden op `gelu_erf`). Backward:
/// dx = dy * (Phi(x) + x * phi(x)), phi the standard normal density.
///
/// Phi and phi come from `StandardNormal`, eight lanes at a time (no libm calls). Over
/// every float x with |x| in [2^-40, 13.2], y is within 2.7 ulp and the slope within 3.1
/// ulp of |Phi| + |x phi|, the negative tail included (where 1 + erf would cancel);
/// beyond, where Phi or phi are subnormal, the absolute error stays below 4e-43.
/// Limits: y(+inf) = +inf, y(-inf) = 0, dy/dx(+-inf) = 1 and 0; NaN propagates. Large
/// tensors are split over `Parallel.chunks`.
public struct GELU: Kernel {
    /// No params.
    public struct Params: PluginParams { public init() {} }
    public static let name = "gelu"
    public static let summary = "y = x * Phi(x) (exact erf form), elementwise"
    public static let inputNames = ["x"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0], outputs: []) }
    private let plan: ChunkPlan

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .float32, "gelu needs float32 input", input: 0)
        outputs = [inputs[0]]
        plan = ChunkPlan(work: inputs[0].shape.count, minimumWork: 1 << 14, threads: threads)
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        plan.run(call.inputs[0].count) { _, range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                Self.store(Self.value(Self.load(x + i)), to: y + i)
                i += 8
            }
            let rest = range.upperBound - i
            if rest > 0 { Self.store(Self.value(Self.load(x + i, rest)), to: y + i, rest) }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f
        plan.run(call.inputs[0].count) { _, range in
            var i = range.lowerBound
            while i + 8 <= range.upperBound {
                Self.store(Self.load(gx + i) + Self.load(gy + i) * Self.slope(Self.load(x + i)), to: gx + i)
                i += 8
            }
            let rest = range.upperBound - i
            if rest > 0 {
                let g = Self.load(gx + i, rest) + Self.load(gy + i, rest) * Self.slope(Self.load(x + i, rest))
                Self.store(g, to: gx + i, rest)
            }
        }
    }

    /// x Phi(x). Phi is exactly 0 below -saturation, where the clamp turns -inf * 0 into 0.
    @inline(__always)
    private static func value(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let floor = SIMD8<Float>(repeating: -StandardNormal.saturation)
        return x.replacing(with: floor, where: x .< floor) * StandardNormal.cdfAndDensity(x).cdf
    }

    /// Phi(x) + x phi(x). phi is exactly 0 beyond saturation, where the clamp turns
    /// +-inf * 0 into 0.
    @inline(__always)
    private static func slope(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let limit = SIMD8<Float>(repeating: StandardNormal.saturation)
        let clamped = x.replacing(with: limit, where: x .> limit).replacing(with: -limit, where: x .< -limit)
        let (cdf, density) = StandardNormal.cdfAndDensity(x)
        return cdf + clamped * density
    }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    private static func store(_ v: SIMD8<Float>, to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// The first `count` (< 8) floats from `p`, then zeros: the last partial block. It
    /// stays out of the block loops; a width test inside them made the compiler split
    /// the lanes and branch on their signs (measured: GELU forward 20% slower).
    private static func load(_ p: UnsafeMutablePointer<Float>, _ count: Int) -> SIMD8<Float> {
        var v = SIMD8<Float>()
        for l in 0..<count { v[l] = p[l] }
        return v
    }

    /// Writes the first `count` (< 8) lanes of `v` to `p`.
    private static func store(_ v: SIMD8<Float>, to p: UnsafeMutablePointer<Float>, _ count: Int) {
        for l in 0..<count { p[l] = v[l] }
    }
}
