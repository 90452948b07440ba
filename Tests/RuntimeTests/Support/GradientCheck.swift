import CanopyRuntime
import Testing

/// Finite-difference check of a kernel's backward.
///
/// The objective is f = sum(outputs[k] * g[k]) over all float outputs with fixed random
/// upstream gradients g, accumulated in Double. Each checked input element is moved by
/// ±h and the central difference is compared with the analytic gradient the kernel
/// accumulates. Inputs start from random values (and gradients buffers from a random
/// offset, to prove that backward adds rather than overwrites).
struct GradientCheck {
    var step: Float = 1e-2
    var tolerance: Double = 2e-2
    /// Elements checked per input (chosen at random when the input is larger).
    var samplesPerInput = 48
    var training = true

    /// Checks every float input of `kernel`. `fill` may customise the inputs (e.g. positive
    /// variances, integer targets); by default they are uniform in [-1, 1).
    func check(
        _ kernel: any Kernel, inputs specs: [TensorSpec], gradientInputs: Set<Int>? = nil, seed: UInt64 = 1,
        fill: ((Int, Tensor, inout TestRandom) -> Void)? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var rng = TestRandom(seed: seed)
        let run = StandaloneKernel(kernel, inputs: specs, gradientInputs: gradientInputs)
        for (i, s) in run.inputs.enumerated() {
            if let fill {
                fill(i, s.tensor, &rng)
            } else if s.tensor.dtype == .float32 {
                for j in 0..<s.tensor.count { s.tensor.f[j] = rng.uniform(-1, 1) }
            }
        }
        let initialState = run.state.map { $0.tensor.toArray() }
        for g in run.outputGrads { for j in 0..<g.tensor.count { g.tensor.f[j] = rng.uniform(-1, 1) } }

        func objective() -> Double {
            for (k, s) in run.state.enumerated() { _ = s.tensor.floats.update(from: initialState[k]) }
            run.forward(training: training)
            var total = 0.0
            for (o, g) in zip(run.outputs, run.outputGrads) where o.tensor.dtype == .float32 {
                for j in 0..<o.tensor.count { total += Double(o.tensor.f[j]) * Double(g.tensor.f[j]) }
            }
            return total
        }

        _ = objective()
        var offsets: [[Float]] = []
        for g in run.inputGrads {
            guard let g else {
                offsets.append([])
                continue
            }
            let o = (0..<g.tensor.count).map { _ in rng.uniform(-1, 1) }
            _ = g.tensor.floats.update(from: o)
            offsets.append(o)
        }
        run.backward(training: training)

        for (i, gs) in run.inputGrads.enumerated() {
            guard let g = gs else { continue }
            let x = run.inputs[i].tensor
            let indices = x.count <= samplesPerInput ? Array(0..<x.count) : (0..<samplesPerInput).map { _ in rng.index(x.count) }
            var diff = 0.0, norm = 0.0
            for j in indices {
                let saved = x.f[j]
                x.f[j] = saved + step
                let up = objective()
                x.f[j] = saved - step
                let down = objective()
                x.f[j] = saved
                let numeric = (up - down) / (2 * Double(step))
                let analytic = Double(g.tensor.f[j] - offsets[i][j])
                diff += (numeric - analytic) * (numeric - analytic)
                norm += numeric * numeric
            }
            let rel = diff.squareRoot() / max(norm.squareRoot(), 1e-6)
            #expect(
                rel <= tolerance, "\(type(of: kernel).name) input \(type(of: kernel).inputNames[i]): relative gradient error \(rel)",
                sourceLocation: sourceLocation)
        }
    }
}

/// A small deterministic generator for test data: the runtime's `SeededRandom` with the
/// float draws tests use.
struct TestRandom {
    var source: SeededRandom
    init(seed: UInt64) { source = SeededRandom(seed: seed) }

    mutating func next() -> UInt64 { source.next() }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }

    /// Uniform in 0..<n.
    mutating func index(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
