/// Direct depthwise convolution (groups == in channels == out channels): each channel
/// plane is convolved with its own kh x kw filter by shifted multiply-adds over whole
/// output rows, with no column matrix.
///
/// For tap (i, j) with weight w, forward adds `w * x[oh * sh - ph + i * dh, ow * sw - pw + j * dw]`
/// onto `y[oh, ow]` over the outputs whose input lies inside the plane; backward adds
/// `w * dy` back onto those inputs and the dot product of `dy` with them onto the
/// weight. Samples are split into chunks; chunk 0 accumulates the weight gradient in
/// place and the other chunks into partials added afterwards in chunk order.
struct DepthwiseConvolution: ConvolutionAlgorithm {
    let geometry: ConvGeometry
    let plan: ChunkPlan

    init(_ geometry: ConvGeometry, threads: Int) {
        precondition(
            geometry.groups == geometry.inChannels && geometry.groups == geometry.outChannels,
            "depthwise convolution needs groups == in channels == out channels")
        self.geometry = geometry
        plan = ChunkPlan(work: geometry.macs, minimumWork: 1 << 18, threads: threads)
    }

    /// Floats of one weight-gradient partial.
    private var weightCount: Int { geometry.outChannels * geometry.patch }

    var workspaceBytes: Int { (plan.chunks - 1) * weightCount * 4 }

    func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>?
    ) {
        let g = geometry, win = g.window, taps = g.patch
        plan.run(g.batch) { _, samples in
            for n in samples {
                for c in 0..<g.inChannels {
                    let plane = n * g.inChannels + c
                    let xp = x + plane * win.inPlane, yp = y + plane * win.outPlane
                    yp.update(repeating: bias?[c] ?? 0, count: win.outPlane)
                    let wc = weight + c * taps
                    for i in 0..<win.kernel.h {
                        let rows = win.validRows(tap: i), rowOffset = i * win.dilation.h - win.padding.h
                        for j in 0..<win.kernel.w {
                            let cols = win.validColumns(tap: j), colOffset = j * win.dilation.w - win.padding.w
                            let w = wc[i * win.kernel.w + j]
                            for oh in rows {
                                let src = xp + (oh * win.stride.h + rowOffset) * win.inW + colOffset, dst = yp + oh * win.outW
                                if win.stride.w == 1 {
                                    for ow in cols { dst[ow] = w * src[ow] + dst[ow] }
                                } else {
                                    let sw = win.stride.w
                                    for ow in cols { dst[ow] = w * src[ow &* sw] + dst[ow] }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
        workspace: UnsafeMutablePointer<Float>?
    ) {
        let g = geometry, win = g.window, taps = g.patch
        plan.run(g.batch) { chunk, samples in
            let dw = dweight.map { chunk == 0 ? $0 : workspace! + (chunk - 1) * weightCount }
            if chunk > 0, let dw { dw.update(repeating: 0, count: weightCount) }
            for n in samples {
                for c in 0..<g.inChannels {
                    let plane = n * g.inChannels + c
                    let xp = x + plane * win.inPlane, dyp = dy + plane * win.outPlane
                    let dxp = dx.map { $0 + plane * win.inPlane }
                    let wc = weight + c * taps, dwc = dw.map { $0 + c * taps }
                    for i in 0..<win.kernel.h {
                        let rows = win.validRows(tap: i), rowOffset = i * win.dilation.h - win.padding.h
                        for j in 0..<win.kernel.w {
                            let cols = win.validColumns(tap: j), colOffset = j * win.dilation.w - win.padding.w
                            let tap = i * win.kernel.w + j, w = wc[tap], sw = win.stride.w
                            var sum: Float = 0
                            for oh in rows {
                                let inRow = (oh * win.stride.h + rowOffset) * win.inW, grad = dyp + oh * win.outW
                                if dwc != nil {
                                    sum += Self.dot(
                                        grad + cols.lowerBound, xp + inRow + cols.lowerBound * sw + colOffset,
                                        stride: sw, count: cols.count)
                                }
                                guard let dst = dxp.map({ $0 + inRow + colOffset }) else { continue }
                                if sw == 1 {
                                    for ow in cols { dst[ow] = w * grad[ow] + dst[ow] }
                                } else {
                                    for ow in cols { dst[ow &* sw] = w * grad[ow] + dst[ow &* sw] }
                                }
                            }
                            if let dwc { dwc[tap] += sum }
                        }
                    }
                }
            }
        }
        if let dweight, let workspace {
            Self.addPartials(workspace, chunks: plan.chunkCount(g.batch), count: weightCount, into: dweight)
        }
    }

    /// `sum(a[t] * b[t * stride])` for `t` in `0..<count`, with eight partial sums so
    /// the contiguous case vectorizes.
    private static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, stride: Int, count: Int) -> Float {
        var t = 0
        var acc = SIMD8<Float>()
        if stride == 1 {
            let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
            while t + 8 <= count {
                acc =
                    ra.loadUnaligned(fromByteOffset: t * 4, as: SIMD8<Float>.self)
                    * rb.loadUnaligned(fromByteOffset: t * 4, as: SIMD8<Float>.self) + acc
                t += 8
            }
        }
        var sum = acc.sum()
        while t < count {
            sum = a[t] * b[t &* stride] + sum
            t += 1
        }
        return sum
    }
}
