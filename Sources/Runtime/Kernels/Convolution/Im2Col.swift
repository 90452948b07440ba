/// Unfolding image patches into a matrix (im2col) and its adjoint (col2im), the data
/// movement of the reference convolution.
///
/// For an input of `channels` planes under `window`, the column matrix has
/// `channels * kernel.h * kernel.w` rows and `outH * outW` columns:
/// `col[(c * kh + i) * kw + j, oh * outW + ow] = x[c, oh * sh - ph + i * dh, ow * sw - pw + j * dw]`,
/// zero where that position is padding.
enum Im2Col {
    /// Writes the column matrix of `x` (`channels` planes of `window.inH x window.inW`) into
    /// `col`, whose rows are `rowStride` floats apart (`outH * outW` for one sample; more
    /// when several samples' columns sit side by side).
    static func unfold(
        _ x: UnsafePointer<Float>, channels: Int, window: Window2D, into col: UnsafeMutablePointer<Float>,
        rowStride: Int? = nil
    ) {
        let outW = window.outW, outH = window.outH, inW = window.inW
        let sh = window.stride.h, sw = window.stride.w
        var row = col
        for c in 0..<channels {
            let plane = x + c * window.inPlane
            for i in 0..<window.kernel.h {
                let rows = window.validRows(tap: i)
                let rowOffset = i * window.dilation.h - window.padding.h
                for j in 0..<window.kernel.w {
                    let cols = window.validColumns(tap: j)
                    let colOffset = j * window.dilation.w - window.padding.w
                    row.update(repeating: 0, count: rows.lowerBound * outW)
                    for oh in rows {
                        let dst = row + oh * outW
                        let src = plane + (oh * sh + rowOffset) * inW + colOffset
                        for ow in 0..<cols.lowerBound { dst[ow] = 0 }
                        if sw == 1 {
                            (dst + cols.lowerBound).update(from: src + cols.lowerBound, count: cols.count)
                        } else {
                            for ow in cols { dst[ow] = src[ow &* sw] }
                        }
                        for ow in cols.upperBound..<outW { dst[ow] = 0 }
                    }
                    (row + rows.upperBound * outW).update(repeating: 0, count: (outH - rows.upperBound) * outW)
                    row += rowStride ?? window.outPlane
                }
            }
        }
    }

    /// Adds the column matrix `col` back onto the image `x` (`x += col2im(col)`), the
    /// adjoint of `unfold`: each input element receives the sum of every column entry
    /// that was copied from it.
    static func fold(
        _ col: UnsafePointer<Float>, channels: Int, window: Window2D, into x: UnsafeMutablePointer<Float>,
        rowStride: Int? = nil
    ) {
        let outW = window.outW, inW = window.inW
        let sh = window.stride.h, sw = window.stride.w
        var row = col
        for c in 0..<channels {
            let plane = x + c * window.inPlane
            for i in 0..<window.kernel.h {
                let rows = window.validRows(tap: i)
                let rowOffset = i * window.dilation.h - window.padding.h
                for j in 0..<window.kernel.w {
                    let cols = window.validColumns(tap: j)
                    let colOffset = j * window.dilation.w - window.padding.w
                    for oh in rows {
                        let src = row + oh * outW
                        let dst = plane + (oh * sh + rowOffset) * inW + colOffset
                        if sw == 1 {
                            for ow in cols { dst[ow] += src[ow] }
                        } else {
                            for ow in cols { dst[ow &* sw] += src[ow] }
                        }
                    }
                    row += rowStride ?? window.outPlane
                }
            }
        }
    }
}
