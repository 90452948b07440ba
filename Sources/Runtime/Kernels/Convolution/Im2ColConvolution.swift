import CBLAS

/// The reference convolution: im2col + sgemm over blocks of samples, per group.
///
/// A block of `blockSamples` samples puts its column matrices side by side
/// (`patch x block*outH*outW`), so maps with few output pixels (8x8, 7x7) still give
/// sgemm wide products: `Y[group] = W[group] (outPerGroup x patch) * col`, then each
/// sample's rows are copied to NCHW. Backward gathers dy the same way:
/// `dW[group] += dY * col^T`, then `dcol = W[group]^T * dY` folded back onto `dx`
/// (col2im, +=). For stride 1 the input gradient is itself a convolution: dy convolved
/// with the spatially flipped, transposed weights W~ (padding d(k-1) - p), so
/// `dX = W~ * unfold(dy)` runs as the forward's product shape (inner dimension
/// C_out k k) instead of `W^T dY` (inner dimension C_out) and a scattering col2im.
/// Samples are split into chunks with one column buffer each; chunk 0
/// accumulates the weight gradient in place and the other chunks into partial buffers
/// added afterwards in chunk order. A 1x1 kernel with stride 1 and no padding on maps of
/// at least `wideColumns` pixels uses the input itself as the column matrix.
struct Im2ColConvolution: ConvolutionAlgorithm {
    let geometry: ConvGeometry
    let plan: ChunkPlan
    /// The input is its own column matrix (1x1 kernel, stride 1, no padding, one sample per product).
    let pointwise: Bool
    /// Samples whose columns share one product.
    let blockSamples: Int
    /// The window of the input-gradient convolution over dy (stride 1 only), or nil to
    /// take the W^T dY + col2im path.
    let transposed: Window2D?

    /// Columns a product should have at least, measured to keep sgemm near its peak here.
    static let wideColumns = 256

    init(_ geometry: ConvGeometry, threads: Int) {
        self.geometry = geometry
        plan = ChunkPlan(work: geometry.macs, minimumWork: 1 << 18, threads: threads)
        let w = geometry.window
        let perChunk = (geometry.batch + plan.chunks - 1) / plan.chunks
        blockSamples = max(1, min(perChunk, (Self.wideColumns + w.outPlane - 1) / w.outPlane))
        pointwise =
            blockSamples == 1 && w.kernel == SpatialPair(1) && w.stride == SpatialPair(1)
            && w.padding == SpatialPair(0)
        transposed = Self.transposedWindow(w)
    }

    /// The window that turns dy into dx by a stride-1 convolution with flipped weights,
    /// when `w` has stride 1, a kernel larger than 1x1 and padding at most d(k-1).
    static func transposedWindow(_ w: Window2D) -> Window2D? {
        guard w.stride == SpatialPair(1), w.kernel.h * w.kernel.w > 1 else { return nil }
        let ph = w.dilation.h * (w.kernel.h - 1) - w.padding.h, pw = w.dilation.w * (w.kernel.w - 1) - w.padding.w
        guard ph >= 0, pw >= 0 else { return nil }
        // Its output is inH x inW: (outH + 2 ph - d (k - 1) - 1) + 1 = inH for stride 1.
        return try? Window2D(
            inH: w.outH, inW: w.outW, kernel: w.kernel, stride: SpatialPair(1),
            padding: SpatialPair(ph, pw), dilation: w.dilation, kernelName: "conv2d")
    }

    /// Columns of one block's products.
    private var blockColumns: Int { blockSamples * geometry.window.outPlane }
    /// Columns of one block's input-gradient product on the transposed path.
    private var blockInputColumns: Int { blockSamples * geometry.window.inPlane }
    /// Rows of the transposed path's column matrix: C_out per group x kh x kw.
    private var transposedPatch: Int { geometry.outPerGroup * geometry.window.kernel.h * geometry.window.kernel.w }
    /// Floats of one chunk's column buffer (either path's column matrix).
    private var columnCount: Int {
        if pointwise { return 0 }
        return max(geometry.patch * blockColumns, transposed == nil ? 0 : transposedPatch * blockInputColumns)
    }
    /// Floats of one chunk's gathered block: output (or output gradient), or the input
    /// gradient of the transposed path, when blocks have several samples.
    private var blockCount: Int {
        guard blockSamples > 1 else { return 0 }
        return max(geometry.outPerGroup * blockColumns, transposed == nil ? 0 : geometry.inPerGroup * blockInputColumns)
    }
    /// Floats of one weight-gradient partial, and of the flipped weights W~.
    private var weightCount: Int { geometry.outChannels * geometry.patch }
    private var perChunk: Int { columnCount + blockCount }

    var workspaceBytes: Int { (plan.chunks * perChunk + (plan.chunks - 1) * weightCount + (transposed == nil ? 0 : weightCount)) * 4 }

    /// The blocks of `samples`: consecutive runs of at most `blockSamples`.
    private func blocks(_ samples: Range<Int>) -> StrideTo<Int> { stride(from: samples.lowerBound, to: samples.upperBound, by: blockSamples) }

    func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>?
    ) {
        let g = geometry, p = g.window.outPlane, k = g.patch, m = g.outPerGroup
        plan.run(g.batch) { chunk, samples in
            let col = pointwise ? nil : workspace! + chunk * perChunk
            let gathered = blockSamples > 1 ? workspace! + chunk * perChunk + columnCount : nil
            for first in blocks(samples) {
                let count = min(blockSamples, samples.upperBound - first), width = count * p
                for group in 0..<g.groups {
                    for s in 0..<count {
                        let xg = x + (first + s) * g.inSample + group * g.inPerGroup * g.window.inPlane
                        if let col { Im2Col.unfold(xg, channels: g.inPerGroup, window: g.window, into: col + s * p, rowStride: width) }
                    }
                    let b = col.map { UnsafePointer($0) } ?? (x + first * g.inSample + group * g.inPerGroup * g.window.inPlane)
                    let out = gathered ?? (y + first * g.outSample + group * m * p)
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(width), Int32(k),
                        1, weight + group * m * k, Int32(k), b, Int32(width), 0, out, Int32(width))
                    for s in 0..<count {
                        let yg = y + (first + s) * g.outSample + group * m * p
                        if let gathered {
                            for co in 0..<m { (yg + co * p).update(from: gathered + co * width + s * p, count: p) }
                        }
                        if let bias {
                            for co in 0..<m {
                                let v = bias[group * m + co], row = yg + co * p
                                for j in 0..<p { row[j] += v }
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
        let g = geometry, p = g.window.outPlane, k = g.patch, m = g.outPerGroup, cg = g.inPerGroup
        let partials = workspace.map { $0 + plan.chunks * perChunk }
        let flipped = transposed != nil && dx != nil ? workspace! + plan.chunks * perChunk + (plan.chunks - 1) * weightCount : nil
        if let flipped { flip(weight, into: flipped) }
        plan.run(g.batch) { chunk, samples in
            let col = pointwise ? nil : workspace! + chunk * perChunk
            let gathered = blockSamples > 1 ? workspace! + chunk * perChunk + columnCount : nil
            let dw = dweight.map { chunk == 0 ? $0 : partials! + (chunk - 1) * weightCount }
            for first in blocks(samples) {
                let count = min(blockSamples, samples.upperBound - first), width = count * p
                for group in 0..<g.groups {
                    // dY of the block as one [m, width] matrix, for dW and the col2im path.
                    if let gathered, dw != nil || flipped == nil {
                        for s in 0..<count {
                            let dyg = dy + (first + s) * g.outSample + group * m * p
                            for co in 0..<m { (gathered + co * width + s * p).update(from: dyg + co * p, count: p) }
                        }
                    }
                    let dY = gathered.map { UnsafePointer($0) } ?? (dy + first * g.outSample + group * m * p)
                    let wg = weight + group * m * k
                    if let dw {
                        if let col {
                            for s in 0..<count {
                                let xg = x + (first + s) * g.inSample + group * cg * g.window.inPlane
                                Im2Col.unfold(xg, channels: cg, window: g.window, into: col + s * p, rowStride: width)
                            }
                        }
                        let b = col.map { UnsafePointer($0) } ?? (x + first * g.inSample + group * cg * g.window.inPlane)
                        let fresh = chunk > 0 && first == samples.lowerBound
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(k), Int32(width),
                            1, dY, Int32(width), b, Int32(width), fresh ? 0 : 1, dw + group * m * k, Int32(k))
                    }
                    guard let dx else { continue }
                    if let flipped, let t = transposed, let col {
                        // dX = W~ * unfold(dy), each sample's dy unfolded from its own planes.
                        let inWidth = count * t.outPlane, rows = transposedPatch
                        for s in 0..<count {
                            let dyg = dy + (first + s) * g.outSample + group * m * p
                            Im2Col.unfold(dyg, channels: m, window: t, into: col + s * t.outPlane, rowStride: inWidth)
                        }
                        let dxg = dx + first * g.inSample + group * cg * g.window.inPlane
                        if let gathered {
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cg), Int32(inWidth), Int32(rows),
                                1, flipped + group * cg * rows, Int32(rows), col, Int32(inWidth), 0, gathered, Int32(inWidth))
                            for s in 0..<count {
                                let target = dxg + s * g.inSample
                                for ci in 0..<cg {
                                    let src = gathered + ci * inWidth + s * t.outPlane, dst = target + ci * t.outPlane
                                    for j in 0..<t.outPlane { dst[j] += src[j] }
                                }
                            }
                        } else {
                            cblas_sgemm(
                                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(cg), Int32(inWidth), Int32(rows),
                                1, flipped + group * cg * rows, Int32(rows), col, Int32(inWidth), 1, dxg, Int32(inWidth))
                        }
                    } else if let col {
                        cblas_sgemm(
                            CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(width), Int32(m),
                            1, wg, Int32(k), dY, Int32(width), 0, col, Int32(width))
                        for s in 0..<count {
                            let dxg = dx + (first + s) * g.inSample + group * cg * g.window.inPlane
                            Im2Col.fold(col + s * p, channels: cg, window: g.window, into: dxg, rowStride: width)
                        }
                    } else {
                        let dxg = dx + first * g.inSample + group * cg * g.window.inPlane
                        cblas_sgemm(
                            CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(p), Int32(m),
                            1, wg, Int32(k), dY, Int32(p), 1, dxg, Int32(p))
                    }
                }
            }
        }
        if let dweight, let partials {
            Self.addPartials(partials, chunks: plan.chunkCount(g.batch), count: weightCount, into: dweight)
        }
    }

    /// W~ per group, `[inPerGroup, outPerGroup * kh * kw]`:
    /// `W~[ci, (co * kh + i) * kw + j] = W[co, ci, kh - 1 - i, kw - 1 - j]`.
    private func flip(_ weight: UnsafePointer<Float>, into flipped: UnsafeMutablePointer<Float>) {
        let g = geometry, kh = g.window.kernel.h, kw = g.window.kernel.w, m = g.outPerGroup, cg = g.inPerGroup
        let area = kh * kw, rows = transposedPatch
        for group in 0..<g.groups {
            for co in 0..<m {
                for ci in 0..<cg {
                    let src = weight + ((group * m + co) * cg + ci) * area
                    let dst = flipped + (group * cg + ci) * rows + co * area
                    for t in 0..<area { dst[t] = src[area - 1 - t] }
                }
            }
        }
    }
}
