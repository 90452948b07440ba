import CBLAS

/// Stride-1 3x3 convolution (one group, no dilation, padding at most 2) by Winograd's
/// F(2x2, 3x3): 16 products per 2x2 output block instead of 36.
///
/// Forward: the input tiles' `Bᵀ d B` and the filters' `G g Gᵀ` are multiplied per tile
/// element `ξ`, `M[ξ] = U[ξ] (C_out x C_in) * V[ξ] (C_in x tiles)`, one sgemm each, and
/// `Aᵀ M A` gives the output. The input gradient is the same computation on dy with the
/// flipped, transposed filters (padding 2 - p), as in `Im2ColConvolution`. The weight
/// gradient is its adjoint: `dU[ξ] += dM[ξ] * V[ξ]ᵀ` with `dM = A dY Aᵀ`, then
/// `dW += Gᵀ dU G`. Samples go in blocks of at least `wideTiles` tiles, split into chunks
/// like the reference; chunk 0 accumulates `dU` in place and the others in partials added
/// in chunk order, so results depend only on the thread count.
struct WinogradConvolution: ConvolutionAlgorithm {
    let geometry: ConvGeometry
    let plan: ChunkPlan
    /// Tiling of the forward pass (x -> y) and of the input gradient (dy -> dx).
    let forwardTiles: WinogradTiling
    let inputGradientTiles: WinogradTiling
    /// Samples per block.
    let blockSamples: Int

    /// Tiles a block's products should have at least.
    static let wideTiles = 128

    /// Whether F(2x2, 3x3) computes this convolution.
    static func applies(to g: ConvGeometry) -> Bool {
        let w = g.window
        return g.groups == 1 && w.kernel == SpatialPair(3) && w.stride == SpatialPair(1)
            && w.dilation == SpatialPair(1) && w.padding.h <= 2 && w.padding.w <= 2
    }

    init(_ geometry: ConvGeometry, threads: Int) {
        precondition(Self.applies(to: geometry), "WinogradConvolution: not a stride-1 3x3 convolution")
        self.geometry = geometry
        plan = ChunkPlan(work: geometry.macs, minimumWork: 1 << 18, threads: threads)
        let w = geometry.window
        forwardTiles = WinogradTiling(inH: w.inH, inW: w.inW, padding: w.padding)
        inputGradientTiles = WinogradTiling(
            inH: w.outH, inW: w.outW, padding: SpatialPair(2 - w.padding.h, 2 - w.padding.w))
        let perChunk = (geometry.batch + plan.chunks - 1) / plan.chunks
        let fewest = min(forwardTiles.tilesPerSample, inputGradientTiles.tilesPerSample)
        blockSamples = max(1, min(perChunk, (Self.wideTiles + fewest - 1) / fewest))
    }

    private var cin: Int { geometry.inChannels }
    private var cout: Int { geometry.outChannels }
    /// Column stride of a block's transformed matrices: room for either pass's tiles.
    private var tileStride: Int {
        blockSamples * max(forwardTiles.tilesPerSample, inputGradientTiles.tilesPerSample)
    }
    /// Floats of one transformed-tile matrix for the wider of C_in and C_out, plus the
    /// lanes a last group of eight tiles reads past the end.
    private var matrixCount: Int { 16 * max(cin, cout) * tileStride + 8 }
    /// Floats of the staging plane of either tiling.
    private var stagingCount: Int { max(forwardTiles.stagingCount, inputGradientTiles.stagingCount) }
    /// Floats of one set of transformed filters, `[16][C_out][C_in]` or its transpose.
    private var filterCount: Int { 16 * cout * cin }
    /// Per chunk: the input-side and product-side matrices and a staging plane.
    private var perChunk: Int { 2 * matrixCount + stagingCount }

    var workspaceBytes: Int { (plan.chunks * (perChunk + filterCount) + filterCount) * 4 }

    private func blocks(_ samples: Range<Int>) -> StrideTo<Int> {
        stride(from: samples.lowerBound, to: samples.upperBound, by: blockSamples)
    }

    func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>?
    ) {
        let ws = workspace!, u = ws + plan.chunks * perChunk
        transformFilters(weight, into: u, flipped: false)
        plan.run(geometry.batch) { chunk, samples in
            let v = ws + chunk * perChunk, m = v + matrixCount, staging = m + matrixCount
            for first in blocks(samples) {
                let count = min(blockSamples, samples.upperBound - first)
                correlate(
                    x + first * geometry.inSample, filters: u, tiling: forwardTiles, samples: count,
                    channels: (cin, cout), scratch: (v, m, staging),
                    into: y + first * geometry.outSample, accumulate: false, bias: bias)
            }
        }
    }

    func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
        workspace: UnsafeMutablePointer<Float>?
    ) {
        let ws = workspace!, flipped = ws + plan.chunks * perChunk
        let partials = flipped + filterCount
        if dx != nil { transformFilters(weight, into: flipped, flipped: true) }
        plan.run(geometry.batch) { chunk, samples in
            let a = ws + chunk * perChunk, b = a + matrixCount, staging = b + matrixCount
            let du = partials + chunk * filterCount
            for first in blocks(samples) {
                let count = min(blockSamples, samples.upperBound - first)
                if dweight != nil {
                    let t = forwardTiles, n = count * t.tilesPerSample
                    t.transformInput(
                        x + first * geometry.inSample, samples: count, channels: cin,
                        sampleStride: geometry.inSample, into: a, tileStride: tileStride, staging: staging)
                    t.transformOutputGradient(
                        dy + first * geometry.outSample, samples: count, channels: cout,
                        sampleStride: geometry.outSample, into: b, tileStride: tileStride, staging: staging)
                    let fresh = first == samples.lowerBound
                    for xi in 0..<16 {
                        cblas_sgemm(
                            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(cout), Int32(cin), Int32(n),
                            1, b + xi * cout * tileStride, Int32(tileStride), a + xi * cin * tileStride, Int32(tileStride),
                            fresh ? 0 : 1, du + xi * cout * cin, Int32(cin))
                    }
                }
                if let dx {
                    correlate(
                        dy + first * geometry.outSample, filters: flipped, tiling: inputGradientTiles,
                        samples: count, channels: (cout, cin), scratch: (a, b, staging),
                        into: dx + first * geometry.inSample, accumulate: true, bias: nil)
                }
            }
        }
        guard let dweight else { return }
        Self.addPartials(partials + filterCount, chunks: plan.chunkCount(geometry.batch), count: filterCount, into: partials)
        for co in 0..<cout {
            for ci in 0..<cin {
                WinogradTiles.weightAdjoint(partials + co * cin + ci, stride: cout * cin, into: dweight + (co * cin + ci) * 9)
            }
        }
    }

    /// One stride-1 3x3 correlation of `samples` samples from `channels.in` to
    /// `channels.out` planes under `tiling`, with transformed `filters`
    /// `[16][channels.out][channels.in]`.
    private func correlate(
        _ input: UnsafePointer<Float>, filters: UnsafePointer<Float>, tiling: WinogradTiling, samples: Int,
        channels: (in: Int, out: Int),
        scratch: (v: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, staging: UnsafeMutablePointer<Float>),
        into output: UnsafeMutablePointer<Float>, accumulate: Bool, bias: UnsafePointer<Float>?
    ) {
        let n = samples * tiling.tilesPerSample
        let inStride = channels.in * tiling.inH * tiling.inW, outStride = channels.out * tiling.outH * tiling.outW
        tiling.transformInput(
            input, samples: samples, channels: channels.in, sampleStride: inStride, into: scratch.v, tileStride: tileStride,
            staging: scratch.staging)
        for xi in 0..<16 {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(channels.out), Int32(n), Int32(channels.in),
                1, filters + xi * channels.out * channels.in, Int32(channels.in),
                scratch.v + xi * channels.in * tileStride, Int32(tileStride),
                0, scratch.m + xi * channels.out * tileStride, Int32(tileStride))
        }
        tiling.transformOutput(
            scratch.m, samples: samples, channels: channels.out, tileStride: tileStride,
            into: output, sampleStride: outStride, accumulate: accumulate, bias: bias, staging: scratch.staging)
    }

    /// `G g Gᵀ` of every filter into `[16][C_out][C_in]`, or, when `flipped`, of the
    /// input gradient's filters `W~[ci, co] = W[co, ci]` rotated by 180° into `[16][C_in][C_out]`.
    private func transformFilters(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, flipped: Bool) {
        var rotated = SIMD16<Float>()
        for co in 0..<cout {
            for ci in 0..<cin {
                let g = weight + (co * cin + ci) * 9
                if flipped {
                    for t in 0..<9 { rotated[t] = g[8 - t] }
                    withUnsafePointer(to: &rotated) { r in
                        r.withMemoryRebound(to: Float.self, capacity: 16) { f in
                            WinogradTiles.weight(f, into: u + ci * cout + co, stride: cin * cout)
                        }
                    }
                } else {
                    WinogradTiles.weight(g, into: u + co * cin + ci, stride: cout * cin)
                }
            }
        }
    }
}
