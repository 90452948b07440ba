/// Stochastic depth (timm's `DropPath`): in training, each sample n of x [N, ...] is kept
/// with probability 1 - rate and scaled by 1 / (1 - rate), or zeroed; in evaluation, or
/// with rate 0, y = x. The expected value of y is x.
///
/// The randomness is reproducible and allocation-free: the int32 input `seed` [2] holds
/// the run seed and the step counter, which the training loop writes before each step
/// (into the graph input named `DropPath.seedInput`); sample n's draw is a hash of
/// (seed[0], seed[1], `salt`, n), and `salt` differs per node, so two drop-path nodes
/// (a block's two residuals, or the same block in two peer branches) draw independent
/// masks. Backward recomputes the mask from the same seed: dx += dy * mask / (1 - rate).
public struct DropPath: Kernel {
    /// `rate` (default 0) and `salt` (default 0).
    public struct Params: PluginParams {
        @Param("probability in [0, 1) that a sample's branch is dropped") public var rate = 0.0
        @Param("mixed into the random draw so that nodes sharing one seed input draw different masks")
        public var salt = 0

        public init() {}

        public init(rate: Double = 0, salt: Int = 0) {
            self.init()
            (self.rate, self.salt) = (rate, salt)
        }
    }

    /// The name of the graph input that carries [run seed, step counter] for every
    /// drop-path node of a model.
    public static let seedInput = "drop_path.seed"

    public static let name = "drop_path"
    public static let summary = "stochastic depth: per-sample keep mask scaled by 1/(1 - rate) in training, identity in evaluation"
    public static let inputNames = ["x", "seed"]

    let rate: Double
    let salt: UInt64
    let samples: Int
    let sampleSize: Int
    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [1], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(x.dtype == .float32 && x.shape.rank >= 1, "drop_path needs float32 input x [N, ...], got \(x)", input: 0)
        try KernelError.require(
            inputs[1] == TensorSpec([2], .int32),
            "drop_path seed must be int32 [2] (run seed, step counter), got \(inputs[1])", input: 1)
        try KernelError.require(params.rate >= 0 && params.rate < 1, "drop_path rate must be in [0, 1), got \(params.rate)")
        rate = params.rate
        salt = UInt64(bitPattern: Int64(params.salt))
        samples = x.shape[0]
        sampleSize = x.shape.count(from: 1)
        outputs = [x]
    }

    /// SplitMix64's finaliser.
    @inline(__always)
    static func mix(_ z: UInt64) -> UInt64 {
        var z = z
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The factor sample `n` is multiplied by: 0, or 1 / (1 - rate).
    @inline(__always)
    func factor(_ seed: UnsafeMutablePointer<Int32>, sample n: Int) -> Float {
        let run = UInt64(UInt32(bitPattern: seed[0])) << 32 | UInt64(UInt32(bitPattern: seed[1]))
        let stream = Self.mix(run &+ Self.mix(salt &+ 0x9E37_79B9_7F4A_7C15))
        let z = Self.mix(stream ^ (UInt64(n) &* 0xD1B5_4A32_D192_ED03 &+ 0x2545_F491_4F6C_DD1D))
        let u = Double(z >> 11) * 0x1p-53
        return u < rate ? 0 : Float(1 / (1 - rate))
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        guard call.training && rate > 0 else {
            y.update(from: x, count: samples * sampleSize)
            return
        }
        let seed = call.inputs[1].i
        for n in 0..<samples {
            let f = factor(seed, sample: n), xs = x + n * sampleSize, ys = y + n * sampleSize
            for i in 0..<sampleSize { ys[i] = f * xs[i] }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let drawing = call.training && rate > 0
        let seed = call.inputs[1].i
        for n in 0..<samples {
            let f = drawing ? factor(seed, sample: n) : 1
            if f == 0 { continue }
            let dx = gx + n * sampleSize, dy = gy + n * sampleSize
            for i in 0..<sampleSize { dx[i] = f * dy[i] + dx[i] }
        }
    }
}
