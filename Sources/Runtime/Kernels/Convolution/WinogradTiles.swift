/// The tile transforms of Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, 2016):
/// a 2x2 block of a 3x3 correlation's output from a 4x4 input tile with 16 multiplies
/// instead of 36.
///
/// `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` with
/// `Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]`, `G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]`,
/// `Aᵀ = [1 1 1 0; 0 1 -1 -1]`. The adjoints serve the backward pass: the output
/// gradient tile goes in as `A dY Aᵀ` and the weight gradient comes out as `Gᵀ dU G`.
/// Element `ξ = 4 i + j` of a transformed 4x4 tile is row `i`, column `j`.
///
/// The data transforms work on eight horizontally adjacent tiles at once (`Lanes`, lane
/// `k` for tile `k`) and write element `ξ` of the eight to `out + ξ * xiStride`, the
/// first `count` lanes (all eight in the interior of a row).
enum WinogradTiles {
    /// One value of eight tiles.
    typealias Lanes = SIMD8<Float>
    /// Four columns (or rows) of eight tiles.
    typealias Quad = (Lanes, Lanes, Lanes, Lanes)

    /// `Bᵀ d B` of eight 4x4 input tiles given by their rows `d0...d3`.
    @inline(__always)
    static func input(_ d0: Quad, _ d1: Quad, _ d2: Quad, _ d3: Quad, into out: UnsafeMutablePointer<Float>, xiStride: Int, count: Int) {
        // Bᵀ d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3; then each row times B.
        storeRowB((d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3), out, xiStride, count)
        storeRowB((d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3), out + 4 * xiStride, xiStride, count)
        storeRowB((d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3), out + 8 * xiStride, xiStride, count)
        storeRowB((d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3), out + 12 * xiStride, xiStride, count)
    }

    /// `v B` of one row `v`, written as four consecutive elements.
    @inline(__always)
    private static func storeRowB(_ v: Quad, _ out: UnsafeMutablePointer<Float>, _ xiStride: Int, _ count: Int) {
        store(v.0 - v.2, out, count)
        store(v.1 + v.2, out + xiStride, count)
        store(v.2 - v.1, out + 2 * xiStride, count)
        store(v.1 - v.3, out + 3 * xiStride, count)
    }

    /// `Aᵀ m A` of eight product tiles read from `m + ξ * xiStride`: the 2x2 output blocks
    /// as (top-left, top-right, bottom-left, bottom-right).
    @inline(__always)
    static func output(_ m: UnsafePointer<Float>, xiStride: Int) -> Quad {
        func row(_ i: Int) -> Quad {
            let p = m + 4 * i * xiStride
            return (load(p), load(p + xiStride), load(p + 2 * xiStride), load(p + 3 * xiStride))
        }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
        let top = (r0.0 + r1.0 + r2.0, r0.1 + r1.1 + r2.1, r0.2 + r1.2 + r2.2, r0.3 + r1.3 + r2.3)
        let bottom = (r1.0 - r2.0 - r3.0, r1.1 - r2.1 - r3.1, r1.2 - r2.2 - r3.2, r1.3 - r2.3 - r3.3)
        return (
            top.0 + top.1 + top.2, top.1 - top.2 - top.3, bottom.0 + bottom.1 + bottom.2, bottom.1 - bottom.2 - bottom.3
        )
    }

    /// `A dY Aᵀ` of eight 2x2 output-gradient blocks (top-left, top-right, bottom-left,
    /// bottom-right): the adjoint of `output`.
    @inline(__always)
    static func outputAdjoint(_ dy: Quad, into out: UnsafeMutablePointer<Float>, xiStride: Int, count: Int) {
        let top = (dy.0, dy.0 + dy.1, dy.0 - dy.1, -dy.1)
        let bottom = (dy.2, dy.2 + dy.3, dy.2 - dy.3, -dy.3)
        storeRow(top, out, xiStride, count)
        storeRow((top.0 + bottom.0, top.1 + bottom.1, top.2 + bottom.2, top.3 + bottom.3), out + 4 * xiStride, xiStride, count)
        storeRow((top.0 - bottom.0, top.1 - bottom.1, top.2 - bottom.2, top.3 - bottom.3), out + 8 * xiStride, xiStride, count)
        storeRow((-bottom.0, -bottom.1, -bottom.2, -bottom.3), out + 12 * xiStride, xiStride, count)
    }

    @inline(__always)
    private static func storeRow(_ v: Quad, _ out: UnsafeMutablePointer<Float>, _ xiStride: Int, _ count: Int) {
        store(v.0, out, count)
        store(v.1, out + xiStride, count)
        store(v.2, out + 2 * xiStride, count)
        store(v.3, out + 3 * xiStride, count)
    }

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    /// The first `count` lanes of `v` at `out`.
    @inline(__always)
    static func store(_ v: Lanes, _ out: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == 8 {
            UnsafeMutableRawPointer(out).storeBytes(of: v, as: Lanes.self)
        } else {
            for k in 0..<count { out[k] = v[k] }
        }
    }

    /// `G g Gᵀ` of a 3x3 filter (9 floats, row-major), written as 16 floats `stride` apart.
    static func weight(_ g: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>, stride: Int) {
        for row in 0..<4 {
            // Row `row` of G g: a combination of the filter's rows.
            var h = SIMD3<Float>()
            for c in 0..<3 {
                let a = g[c], b = g[3 + c], d = g[6 + c]
                switch row {
                case 0: h[c] = a
                case 1: h[c] = 0.5 * (a + b + d)
                case 2: h[c] = 0.5 * (a - b + d)
                default: h[c] = d
                }
            }
            let out = SIMD4(h[0], 0.5 * (h[0] + h[1] + h[2]), 0.5 * (h[0] - h[1] + h[2]), h[2])
            for col in 0..<4 { u[(4 * row + col) * stride] = out[col] }
        }
    }

    /// Adds `Gᵀ dU G` of the 16 floats `dU` (`stride` apart) onto the 3x3 filter gradient `dg`.
    static func weightAdjoint(_ du: UnsafePointer<Float>, stride: Int, into dg: UnsafeMutablePointer<Float>) {
        func row(_ i: Int) -> SIMD4<Float> {
            SIMD4(du[(4 * i) * stride], du[(4 * i + 1) * stride], du[(4 * i + 2) * stride], du[(4 * i + 3) * stride])
        }
        let r0 = row(0), r1 = row(1), r2 = row(2), r3 = row(3)
        func add(_ a: SIMD4<Float>, row i: Int) {
            dg[3 * i] += a[0] + 0.5 * (a[1] + a[2])
            dg[3 * i + 1] += 0.5 * (a[1] - a[2])
            dg[3 * i + 2] += 0.5 * (a[1] + a[2]) + a[3]
        }
        add(r0 + 0.5 * (r1 + r2), row: 0)
        add(0.5 * (r1 - r2), row: 1)
        add(0.5 * (r1 + r2) + r3, row: 2)
    }
}
