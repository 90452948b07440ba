/// The summation shared by `sum` and `mean`: y = factor * (sum of x over the reduced
/// axes), accumulated in Double in a workspace of one Double per output element.
///
/// Adjacent axes that are both reduced or both kept are merged into groups, so the walk
/// is a loop over the outer groups around one contiguous run of the innermost group:
/// summed into one output element when that group is reduced, added element by
/// element when it is kept. Backward spreads factor * dy back over the same walk.
struct Reduction: Sendable {
    /// Extent, input stride and output stride (0 when reduced) of each merged group.
    let extents: [Int]
    let inputStrides: [Int]
    let outputStrides: [Int]
    /// Whether the innermost group is reduced.
    let innerReduced: Bool
    /// Elements of x and of y.
    let inputCount: Int
    let outputCount: Int
    /// 1 for sum, 1 / (elements per output) for mean.
    let factor: Double
    let output: TensorSpec

    init(kernel: String, params: ReductionParams, input x: TensorSpec, average: Bool) throws(KernelError) {
        try KernelError.require(x.dtype == .float32, "\(kernel) needs float32 input", input: 0)
        try KernelError.require(x.shape.count > 0, "\(kernel) needs a non-empty input, got \(x.shape)", input: 0)
        let rank = x.shape.rank
        var reduced = [Bool](repeating: params.axes == nil, count: rank)
        if let axes = params.axes {
            try KernelError.require(!axes.isEmpty, "\(kernel) axes is empty: list at least one axis, or leave axes out to reduce all")
            for a in axes {
                let r = try Axis.resolve(a, rank: rank, kernel: kernel)
                try KernelError.require(!reduced[r], "\(kernel) axes lists axis \(r) twice")
                reduced[r] = true
            }
        }
        var dims: [Int] = []
        for d in 0..<rank where !reduced[d] || params.keepdims { dims.append(reduced[d] ? 1 : x.shape[d]) }
        output = TensorSpec(dims.isEmpty ? [1] : Shape(dims))

        var groups: [(extent: Int, reduced: Bool)] = []
        for d in 0..<rank where x.shape[d] > 1 {
            if let last = groups.last, last.reduced == reduced[d] {
                groups[groups.count - 1].extent *= x.shape[d]
            } else {
                groups.append((x.shape[d], reduced[d]))
            }
        }
        if groups.isEmpty { groups = [(1, true)] }
        extents = groups.map(\.extent)
        var inStride = 1, outStride = 1
        var inputStrides = [Int](repeating: 0, count: groups.count), outputStrides = inputStrides
        for g in groups.indices.reversed() {
            inputStrides[g] = inStride
            inStride *= groups[g].extent
            if !groups[g].reduced {
                outputStrides[g] = outStride
                outStride *= groups[g].extent
            }
        }
        self.inputStrides = inputStrides
        self.outputStrides = outputStrides
        innerReduced = groups[groups.count - 1].reduced
        inputCount = x.shape.count
        outputCount = outStride
        factor = average ? Double(outStride) / Double(inputCount) : 1
    }

    var workspaceBytes: Int { outputCount * MemoryLayout<Double>.stride }

    /// The output index of the first element of inner run `run`.
    @inline(__always)
    private func outputIndex(ofRun run: Int) -> Int {
        var rest = run, index = 0
        var g = extents.count - 2
        while g >= 0 {
            index += (rest % extents[g]) * outputStrides[g]
            rest /= extents[g]
            g -= 1
        }
        return index
    }

    func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f
        let acc = call.workspace!.assumingMemoryBound(to: Double.self)
        acc.update(repeating: 0, count: outputCount)
        let inner = extents[extents.count - 1]
        for run in 0..<(inputCount / inner) {
            let p = x + run * inner, o = outputIndex(ofRun: run)
            if innerReduced {
                var sum = 0.0
                for j in 0..<inner { sum += Double(p[j]) }
                acc[o] += sum
            } else {
                let q = acc + o
                for j in 0..<inner { q[j] += Double(p[j]) }
            }
        }
        for i in 0..<outputCount { y[i] = Float(acc[i] * factor) }
    }

    func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let inner = extents[extents.count - 1], f = Float(factor)
        for run in 0..<(inputCount / inner) {
            let p = gx + run * inner, o = outputIndex(ofRun: run)
            if innerReduced {
                let g = f * gy[o]
                for j in 0..<inner { p[j] += g }
            } else {
                let q = gy + o
                for j in 0..<inner { p[j] += f * q[j] }
            }
        }
    }
}
