/// The batch-normalisation math shared by `batchnorm1d` and `batchnorm2d`.
///
/// The input is viewed as [N, C, S]: S = H*W for batchnorm2d, S = 1 (or L) for
/// batchnorm1d. Each channel is normalised over its M = N*S values.
///
/// Training: batch mean and biased variance, accumulated in Double (sums of x - x0, with
/// x0 the channel's first value, so large offsets do not cancel); the running statistics
/// move by `momentum` towards the batch mean and the UNBIASED batch variance
/// (M/(M-1) times the biased one; the biased one when M = 1).
/// Evaluation: the running statistics normalise.
///
/// The statistics used (mean and 1/sqrt(var + eps) per channel) are written to the
/// extra outputs `saved_mean` and `saved_invstd`, which backward reads, so the memory
/// planner keeps them alive between forward and backward (workspace is not preserved).
/// They are true outputs: in training mode backward also propagates their gradients.
/// Channels are split over `Parallel.chunks`; every channel's work is independent.
struct BatchNormCore: Sendable {
    let batch: Int
    let channels: Int
    let spatial: Int
    let eps: Double
    let momentum: Double
    /// The plan's thread count; channels are split over it.
    let threads: Int

    /// Checks x (rank `ranks`, float32), weight [C], bias [C]; `spatial` is the product
    /// of the dims after C.
    init(kernel: String, inputs: [TensorSpec], ranks: ClosedRange<Int>, eps: Double, momentum: Double, threads: Int) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(x.dtype == .float32, "\(kernel) needs float32 input x", input: 0)
        try KernelError.require(
            ranks.contains(x.shape.rank),
            "\(kernel) needs x of rank \(ranks.lowerBound == ranks.upperBound ? "\(ranks.lowerBound)" : "\(ranks.lowerBound) or \(ranks.upperBound)"), got \(x.shape)",
            input: 0)
        let c = x.shape[1]
        for (i, name) in [(1, "weight"), (2, "bias")] {
            try KernelError.require(
                inputs[i] == TensorSpec([c]), "\(kernel) \(name) must be [\(c)] float32 for x \(x.shape), got \(inputs[i])", input: i)
        }
        try KernelError.require(eps > 0, "\(kernel) eps must be positive, got \(eps)")
        try KernelError.require(momentum >= 0 && momentum <= 1, "\(kernel) momentum must be in [0, 1], got \(momentum)")
        self.threads = threads
        batch = x.shape[0]
        channels = c
        spatial = x.shape.count(from: 2)
        self.eps = eps
        self.momentum = momentum
    }

    /// Outputs: y like x, then saved_mean [C] and saved_invstd [C].
    func outputs(for x: TensorSpec) -> [TensorSpec] { [x, TensorSpec([channels]), TensorSpec([channels])] }
    /// running_mean [C] and running_var [C].
    var state: [TensorSpec] { [TensorSpec([channels]), TensorSpec([channels])] }
    /// Backward reads x, weight, saved_mean and saved_invstd.
    var saved: SavedTensors { SavedTensors(inputs: [0, 1], outputs: [1, 2]) }

    func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, gamma = call.inputs[1].f, beta = call.inputs[2].f
        let y = call.outputs[0].f, savedMean = call.outputs[1].f, savedInvstd = call.outputs[2].f
        let runningMean = call.state[0].f, runningVar = call.state[1].f
        let training = call.training
        let n = batch, cs = channels * spatial, s = spatial, m = Double(batch * spatial)
        Parallel.chunks(channels, threads: threads) { _, range in
            for c in range {
                let mean: Double, invstd: Double
                if training {
                    let x0 = Double(x[c * s])
                    var sum = 0.0, squares = 0.0
                    for i in 0..<n {
                        let p = x + i * cs + c * s
                        for j in 0..<s {
                            let d = Double(p[j]) - x0
                            sum += d
                            squares += d * d
                        }
                    }
                    let shift = sum / m
                    let variance = max(squares / m - shift * shift, 0)
                    mean = x0 + shift
                    invstd = 1 / (variance + eps).squareRoot()
                    let unbiased = m > 1 ? variance * m / (m - 1) : variance
                    runningMean[c] = Float((1 - momentum) * Double(runningMean[c]) + momentum * mean)
                    runningVar[c] = Float((1 - momentum) * Double(runningVar[c]) + momentum * unbiased)
                } else {
                    mean = Double(runningMean[c])
                    invstd = 1 / (Double(runningVar[c]) + eps).squareRoot()
                }
                savedMean[c] = Float(mean)
                savedInvstd[c] = Float(invstd)
                let mu = Float(mean), scale = Float(Double(gamma[c]) * invstd), b = beta[c]
                for i in 0..<n {
                    let p = x + i * cs + c * s, q = y + i * cs + c * s
                    for j in 0..<s { q[j] = (p[j] - mu) * scale + b }
                }
            }
        }
    }

    /// Train: dx = (gamma/sigma)(dy - mean(dy) - xhat*mean(dy*xhat)) plus the terms from
    /// the saved statistics' own gradients; eval: dx = gamma*dy/sigma_running.
    /// dweight = sum(dy*xhat), dbias = sum(dy) in both modes.
    func backward(_ call: KernelCall) {
        let x = call.inputs[0].f, gamma = call.inputs[1].f
        let savedMean = call.outputs[1].f, savedInvstd = call.outputs[2].f
        let gx = call.inputGrad(0)?.f, gGamma = call.inputGrad(1)?.f, gBeta = call.inputGrad(2)?.f
        let gy = call.outputGrad(0)?.f, gMean = call.outputGrad(1)?.f, gInvstd = call.outputGrad(2)?.f
        let training = call.training
        let n = batch, cs = channels * spatial, s = spatial, m = Double(batch * spatial)
        Parallel.chunks(channels, threads: threads) { _, range in
            for c in range {
                let mu = savedMean[c], invstd = Double(savedInvstd[c]), g = Double(gamma[c])
                var sumDy = 0.0, sumDyX = 0.0
                if let gy {
                    for i in 0..<n {
                        let p = x + i * cs + c * s, dy = gy + i * cs + c * s
                        for j in 0..<s {
                            sumDy += Double(dy[j])
                            sumDyX += Double(dy[j] * (p[j] - mu))
                        }
                    }
                }
                gGamma?[c] += Float(sumDyX * invstd)
                gBeta?[c] += Float(sumDy)
                guard let gx else { continue }
                // dx = k1*dy + k2 + k3*(x - mean)
                let k1 = Float(g * invstd)
                var k2 = 0.0, k3 = 0.0
                if training {
                    let gm = gMean.map { Double($0[c]) } ?? 0, gi = gInvstd.map { Double($0[c]) } ?? 0
                    k2 = (gm - g * invstd * sumDy) / m
                    k3 = -invstd * invstd * invstd * (g * sumDyX + gi) / m
                }
                let b = Float(k2), a = Float(k3)
                for i in 0..<n {
                    let p = x + i * cs + c * s, dx = gx + i * cs + c * s
                    if let gy {
                        let dy = gy + i * cs + c * s
                        for j in 0..<s { dx[j] += k1 * dy[j] + (a * (p[j] - mu) + b) }
                    } else if training {
                        for j in 0..<s { dx[j] += a * (p[j] - mu) + b }
                    }
                }
            }
        }
    }
}
