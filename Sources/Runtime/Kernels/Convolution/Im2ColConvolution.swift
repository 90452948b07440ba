import CBLAS

/// The reference convolution: im2col + sgemm over blocks of samples, per group.
///
/// A block of `blockSamples` samples puts its column matrices side by side
/// (`patch x block*outH*outW`), so maps with few output pixels (8x8, 7x7) still give
/// sgemm wide products: `Y[group] = W[group] (outPerGroup x patch) * col`, then each
/// sample's rows are copied to NCHW. Backward gathers dy the same way:
/// `dW[group] += dY * col^T`, then `dcol = W[group]^T * dY` folded back onto `dx`
/// (col2im, +=). Samples are split into chunks with one column buffer each; chunk 0
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

    /// Columns a product should have at least, measured to keep sgemm near its peak here.
    static let wideColumns = 256

    init(_ geometry: ConvGeometry) {
        self.geometry = geometry
        plan = ChunkPlan(work: geometry.macs, minimumWork: 1 << 18)
        let w = geometry.window
        let perChunk = (geometry.batch + plan.chunks - 1) / plan.chunks
        blockSamples = max(1, min(perChunk, (Self.wideColumns + w.outPlane - 1) / w.outPlane))
        pointwise = blockSamples == 1 && w.kernel == SpatialPair(1) && w.stride == SpatialPair(1)
            && w.padding == SpatialPair(0)
    }

    /// Columns of one block's products.
    private var blockColumns: Int { blockSamples * geometry.window.outPlane }
    /// Floats of one chunk's column buffer.
    private var columnCount: Int { pointwise ? 0 : geometry.patch * blockColumns }
    /// Floats of one chunk's gathered output (or output gradient) block, when blocks have several samples.
    private var blockCount: Int { blockSamples > 1 ? geometry.outPerGroup * blockColumns : 0 }
    /// Floats of one weight-gradient partial.
    private var weightCount: Int { geometry.outChannels * geometry.patch }
    private var perChunk: Int { columnCount + blockCount }

    var workspaceBytes: Int { (plan.chunks * perChunk + (plan.chunks - 1) * weightCount) * 4 }

    /// The blocks of `samples`: consecutive runs of at most `blockSamples`.
    private func blocks(_ samples: Range<Int>) -> StrideTo<Int> { stride(from: samples.lowerBound, to: samples.upperBound, by: blockSamples) }

    func forward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 y: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>?) {
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
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(width), Int32(k),
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

    func backward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                  workspace: UnsafeMutablePointer<Float>?) {
        let g = geometry, p = g.window.outPlane, k = g.patch, m = g.outPerGroup, cg = g.inPerGroup
        let partials = workspace.map { $0 + plan.chunks * perChunk }
        plan.run(g.batch) { chunk, samples in
            let col = pointwise ? nil : workspace! + chunk * perChunk
            let gathered = blockSamples > 1 ? workspace! + chunk * perChunk + columnCount : nil
            let dw = dweight.map { chunk == 0 ? $0 : partials! + (chunk - 1) * weightCount }
            for first in blocks(samples) {
                let count = min(blockSamples, samples.upperBound - first), width = count * p
                for group in 0..<g.groups {
                    // dY of the block as one [m, width] matrix.
                    if let gathered {
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
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(k), Int32(width),
                                    1, dY, Int32(width), b, Int32(width), fresh ? 0 : 1, dw + group * m * k, Int32(k))
                    }
                    guard let dx else { continue }
                    if let col {
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(width), Int32(m),
                                    1, wg, Int32(k), dY, Int32(width), 0, col, Int32(width))
                        for s in 0..<count {
                            let dxg = dx + (first + s) * g.inSample + group * cg * g.window.inPlane
                            Im2Col.fold(col + s * p, channels: cg, window: g.window, into: dxg, rowStride: width)
                        }
                    } else {
                        let dxg = dx + first * g.inSample + group * cg * g.window.inPlane
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(p), Int32(m),
                                    1, wg, Int32(k), dY, Int32(p), 1, dxg, Int32(p))
                    }
                }
            }
        }
        if let dweight, let partials {
            Self.addPartials(partials, chunks: plan.chunkCount(g.batch), count: weightCount, into: dweight)
        }
    }
}
