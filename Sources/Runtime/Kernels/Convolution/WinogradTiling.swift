/// How a stride-1 3x3 correlation of `inH x inW` planes (zero padding `padding`) into
/// `outH x outW` planes is cut into F(2x2, 3x3) tiles, and the moves between planes and
/// the transformed-tile matrices that `WinogradConvolution` multiplies.
///
/// Output tile `(th, tw)` covers output rows `2 th ..< 2 th + 2` and columns
/// `2 tw ..< 2 tw + 2` (clipped at the edge) and reads the 4x4 input tile at
/// `(2 th - padding.h, 2 tw - padding.w)`, zero outside the plane. A block of samples
/// numbers its tiles sample by sample, row by row; a transformed matrix holds element
/// `ξ` of channel `c`'s tile `t` at `ξ * xiStride + c * tileStride + t`.
///
/// Each plane is first copied into a zero-bordered staging plane (`stagingCount`
/// floats) wide enough for whole groups of eight tiles, so the transforms run on eight
/// tiles at a time with no bounds checks.
struct WinogradTiling: Sendable, Hashable {
    let inH: Int, inW: Int, outH: Int, outW: Int
    let padding: SpatialPair

    init(inH: Int, inW: Int, padding: SpatialPair) {
        (self.inH, self.inW, self.padding) = (inH, inW, padding)
        outH = inH + 2 * padding.h - 2
        outW = inW + 2 * padding.w - 2
    }

    var tilesH: Int { (outH + 1) / 2 }
    var tilesW: Int { (outW + 1) / 2 }
    /// Tiles of one sample's plane.
    var tilesPerSample: Int { tilesH * tilesW }

    /// Staging row length: two columns per tile of whole groups of eight, plus the two
    /// extra columns a 4-wide input tile reads.
    private var stagingWidth: Int { 2 * ((tilesW + 7) / 8 * 8) + 2 }
    /// Floats of the staging plane (input tiles read 2 tilesH + 2 rows).
    var stagingCount: Int { (2 * tilesH + 2) * stagingWidth }

    /// Writes `Bᵀ d B` of every tile of `samples` samples (`channels` planes each, samples
    /// `sampleStride` floats apart) into `v`.
    func transformInput(
        _ x: UnsafePointer<Float>, samples: Int, channels: Int, sampleStride: Int,
        into v: UnsafeMutablePointer<Float>, tileStride: Int, staging: UnsafeMutablePointer<Float>
    ) {
        let xiStride = channels * tileStride, sw = stagingWidth
        for s in 0..<samples {
            for c in 0..<channels {
                stage(x + s * sampleStride + c * inH * inW, rows: inH, columns: inW, at: padding, into: staging)
                let dst = v + c * tileStride + s * tilesPerSample
                for th in 0..<tilesH {
                    for tw in stride(from: 0, to: tilesW, by: 8) {
                        let p = UnsafePointer(staging + 2 * th * sw + 2 * tw)
                        WinogradTiles.input(
                            columns(p), columns(p + sw), columns(p + 2 * sw), columns(p + 3 * sw),
                            into: dst + th * tilesW + tw, xiStride: xiStride, count: min(8, tilesW - tw))
                    }
                }
            }
        }
    }

    /// Writes `A dY Aᵀ` of every output-gradient tile (zero past the edge) into `m`.
    func transformOutputGradient(
        _ dy: UnsafePointer<Float>, samples: Int, channels: Int, sampleStride: Int,
        into m: UnsafeMutablePointer<Float>, tileStride: Int, staging: UnsafeMutablePointer<Float>
    ) {
        let xiStride = channels * tileStride, sw = stagingWidth
        for s in 0..<samples {
            for c in 0..<channels {
                stage(dy + s * sampleStride + c * outH * outW, rows: outH, columns: outW, at: SpatialPair(0), into: staging)
                let dst = m + c * tileStride + s * tilesPerSample
                for th in 0..<tilesH {
                    for tw in stride(from: 0, to: tilesW, by: 8) {
                        let top = Self.pairs(staging + 2 * th * sw + 2 * tw), bottom = Self.pairs(staging + (2 * th + 1) * sw + 2 * tw)
                        WinogradTiles.outputAdjoint(
                            (top.even, top.odd, bottom.even, bottom.odd),
                            into: dst + th * tilesW + tw, xiStride: xiStride, count: min(8, tilesW - tw))
                    }
                }
            }
        }
    }

    /// Writes (or, with `accumulate`, adds) `Aᵀ m A` of every tile into the output planes,
    /// plus `bias[c]` when given.
    func transformOutput(
        _ m: UnsafePointer<Float>, samples: Int, channels: Int, tileStride: Int,
        into y: UnsafeMutablePointer<Float>, sampleStride: Int, accumulate: Bool, bias: UnsafePointer<Float>?,
        staging: UnsafeMutablePointer<Float>
    ) {
        let xiStride = channels * tileStride, sw = stagingWidth
        for s in 0..<samples {
            for c in 0..<channels {
                let src = m + c * tileStride + s * tilesPerSample
                let b = WinogradTiles.Lanes(repeating: bias?[c] ?? 0)
                for th in 0..<tilesH {
                    let top = staging + 2 * th * sw, bottom = top + sw
                    for tw in stride(from: 0, to: tilesW, by: 8) {
                        let block = WinogradTiles.output(src + th * tilesW + tw, xiStride: xiStride)
                        interleave(block.0 + b, block.1 + b, into: top + 2 * tw)
                        interleave(block.2 + b, block.3 + b, into: bottom + 2 * tw)
                    }
                }
                let plane = y + s * sampleStride + c * outH * outW
                for r in 0..<outH {
                    let row = plane + r * outW, staged = staging + r * sw
                    if accumulate {
                        for j in 0..<outW { row[j] += staged[j] }
                    } else {
                        row.update(from: staged, count: outW)
                    }
                }
            }
        }
    }

    /// Copies a `rows x columns` plane into the staging plane at offset `at`, zero around it.
    private func stage(_ plane: UnsafePointer<Float>, rows: Int, columns: Int, at offset: SpatialPair, into staging: UnsafeMutablePointer<Float>) {
        staging.update(repeating: 0, count: stagingCount)
        for r in 0..<rows {
            (staging + (r + offset.h) * stagingWidth + offset.w).update(from: plane + r * columns, count: columns)
        }
    }

    /// The four columns `2k ..< 2k + 4` of eight tiles `k` from one staged row.
    @inline(__always)
    private func columns(_ p: UnsafePointer<Float>) -> WinogradTiles.Quad {
        let near = Self.pairs(p), far = Self.pairs(p + 2)
        return (near.even, near.odd, far.even, far.odd)
    }

    /// Even and odd elements of the 16 floats at `p`.
    @inline(__always)
    private static func pairs(_ p: UnsafePointer<Float>) -> (even: WinogradTiles.Lanes, odd: WinogradTiles.Lanes) {
        let v = UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
        return (v.evenHalf, v.oddHalf)
    }

    /// Writes `a[0], b[0], a[1], b[1], ...` (16 floats) at `out`.
    @inline(__always)
    private func interleave(_ a: WinogradTiles.Lanes, _ b: WinogradTiles.Lanes, into out: UnsafeMutablePointer<Float>) {
        for k in 0..<8 {
            out[2 * k] = a[k]
            out[2 * k + 1] = b[k]
        }
    }
}
