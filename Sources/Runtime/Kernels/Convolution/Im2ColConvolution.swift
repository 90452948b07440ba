import CBLAS

/// The reference convolution: im2col + sgemm per sample and group.
///
/// Forward: `y[n, group] = W[group] (outPerGroup x patch) * col(x[n, group]) (patch x outH*outW)`.
/// Backward: `dW[group] += dy[n, group] * col^T`, then `dcol = W[group]^T * dy[n, group]`
/// folded back onto `dx` (col2im, +=). Samples are split into chunks with one column
/// buffer each; chunk 0 accumulates the weight gradient in place and the other chunks
/// into partial buffers added afterwards in chunk order. A 1x1 kernel with stride 1 and
/// no padding uses the input itself as the column matrix.
struct Im2ColConvolution: ConvolutionAlgorithm {
    let geometry: ConvGeometry
    let plan: ChunkPlan
    /// The input is its own column matrix (1x1 kernel, stride 1, no padding, no dilation needed).
    let pointwise: Bool

    init(_ geometry: ConvGeometry) {
        self.geometry = geometry
        plan = ChunkPlan(work: geometry.macs, minimumWork: 1 << 18)
        let w = geometry.window
        pointwise = w.kernel == SpatialPair(1) && w.stride == SpatialPair(1) && w.padding == SpatialPair(0)
    }

    /// Floats of one chunk's column buffer.
    private var columnCount: Int { pointwise ? 0 : geometry.patch * geometry.window.outPlane }
    /// Floats of one weight-gradient partial.
    private var weightCount: Int { geometry.outChannels * geometry.patch }

    var workspaceBytes: Int { (plan.chunks * columnCount + (plan.chunks - 1) * weightCount) * 4 }

    func forward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 y: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>?) {
        let g = geometry, p = g.window.outPlane, k = g.patch, m = g.outPerGroup
        plan.run(g.batch) { chunk, samples in
            let col = pointwise ? nil : workspace! + chunk * columnCount
            for n in samples {
                let xn = x + n * g.inSample, yn = y + n * g.outSample
                if let bias {
                    for co in 0..<g.outChannels { (yn + co * p).update(repeating: bias[co], count: p) }
                }
                for group in 0..<g.groups {
                    let xg = xn + group * g.inPerGroup * g.window.inPlane
                    if let col { Im2Col.unfold(xg, channels: g.inPerGroup, window: g.window, into: col) }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(p), Int32(k),
                                1, weight + group * m * k, Int32(k), col.map { UnsafePointer($0) } ?? xg, Int32(p),
                                bias == nil ? 0 : 1, yn + group * m * p, Int32(p))
                }
            }
        }
    }

    func backward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                  dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                  workspace: UnsafeMutablePointer<Float>?) {
        let g = geometry, p = g.window.outPlane, k = g.patch, m = g.outPerGroup, cg = g.inPerGroup
        let partials = workspace.map { $0 + plan.chunks * columnCount }
        plan.run(g.batch) { chunk, samples in
            let col = pointwise ? nil : workspace! + chunk * columnCount
            let dw = dweight.map { chunk == 0 ? $0 : partials! + (chunk - 1) * weightCount }
            for n in samples {
                let xn = x + n * g.inSample, dyn = dy + n * g.outSample
                for group in 0..<g.groups {
                    let xg = xn + group * cg * g.window.inPlane, dyg = dyn + group * m * p
                    let wg = weight + group * m * k
                    if let dw {
                        if let col { Im2Col.unfold(xg, channels: cg, window: g.window, into: col) }
                        let fresh = chunk > 0 && n == samples.lowerBound
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(k), Int32(p),
                                    1, dyg, Int32(p), col.map { UnsafePointer($0) } ?? xg, Int32(p),
                                    fresh ? 0 : 1, dw + group * m * k, Int32(k))
                    }
                    guard let dx else { continue }
                    let dxg = dx + n * g.inSample + group * cg * g.window.inPlane
                    if let col {
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(p), Int32(m),
                                    1, wg, Int32(k), dyg, Int32(p), 0, col, Int32(p))
                        Im2Col.fold(col, channels: cg, window: g.window, into: dxg)
                    } else {
                        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, Int32(k), Int32(p), Int32(m),
                                    1, wg, Int32(k), dyg, Int32(p), 1, dxg, Int32(p))
                    }
                }
            }
        }
        if let dweight, let partials {
            Self.addPartials(partials, chunks: plan.chunkCount(g.batch), count: weightCount, into: dweight)
        }
    }
}
