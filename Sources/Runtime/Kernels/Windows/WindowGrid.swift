/// How `window_partition` lays out the windows it cuts and `window_reverse` reads them.
public enum WindowLayout: String, ParamChoice {
    /// [windows, heads, tokens, head_dim]: the input layout of `attention`, heads being
    /// contiguous channel groups and tokens row-major inside the window.
    case heads
    /// [windows, channels, window_h, window_w]: each window as its own NCHW image (for a
    /// convolution that sees the window border as the image border, CSWin's LePE).
    case channelsFirst = "channels_first"
}

/// The windows of a channels-last map [B, H, W, C]: a grid of (H / h) x (W / w)
/// non-overlapping h x w windows per image, numbered row-major per image and image by
/// image, over the channels start ..< start + channels of the map. Moves values
/// between the map and the windows in either direction, copying or adding; windows
/// cover disjoint parts of the map, so they are split over `Parallel.chunks`.
struct WindowGrid: Sendable {
    let batch: Int
    let height: Int
    let width: Int
    let window: SpatialPair
    /// Channels of the map at each position, and the part of them the windows hold.
    let mapChannels: Int
    let start: Int
    let channels: Int
    let heads: Int
    let layout: WindowLayout
    let plan: ChunkPlan

    init(
        batch: Int, height: Int, width: Int, window: SpatialPair, mapChannels: Int, start: Int, channels: Int,
        heads: Int, layout: WindowLayout, threads: Int
    ) {
        self.batch = batch
        self.height = height
        self.width = width
        self.window = window
        self.mapChannels = mapChannels
        self.start = start
        self.channels = channels
        self.heads = heads
        self.layout = layout
        plan = ChunkPlan(work: batch * height * width * channels, minimumWork: 1 << 16, threads: threads)
    }

    var windowsPerRow: Int { width / window.w }
    var windowsPerColumn: Int { height / window.h }
    var windowCount: Int { batch * windowsPerColumn * windowsPerRow }
    var tokens: Int { window.h * window.w }

    /// The shape of the windowed tensor.
    var windowShape: Shape {
        switch layout {
        case .heads: return [windowCount, heads, tokens, channels / heads]
        case .channelsFirst: return [windowCount, channels, window.h, window.w]
        }
    }

    /// The map shape [B, H, W, mapChannels].
    var mapShape: Shape { [batch, height, width, mapChannels] }

    /// Moves values map -> windows (`toWindows`) or windows -> map, overwriting the
    /// destination or adding to it.
    func transfer(map: UnsafeMutablePointer<Float>, windows: UnsafeMutablePointer<Float>, toWindows: Bool, accumulate: Bool) {
        let (wh, ww, nW, nH) = (window.h, window.w, windowsPerRow, windowsPerColumn)
        let (t, c, d, h) = (tokens, channels, channels / heads, heads)
        let (mc, first, H, W) = (mapChannels, start, height, width)
        let byHeads = layout == .heads
        plan.run(windowCount) { _, range in
            for w in range {
                let j = w % nW, i = (w / nW) % nH, b = w / (nW * nH)
                for r in 0..<wh {
                    let row = map + ((b * H + i * wh + r) * W + j * ww) * mc + first
                    for col in 0..<ww {
                        let token = r * ww + col, m = row + col * mc
                        if byHeads {
                            for head in 0..<h {
                                let p = windows + ((w * h + head) * t + token) * d
                                if toWindows {
                                    Self.move(m + head * d, 1, p, 1, d, accumulate)
                                } else {
                                    Self.move(p, 1, m + head * d, 1, d, accumulate)
                                }
                            }
                        } else {
                            let p = windows + w * c * t + token
                            if toWindows {
                                Self.move(m, 1, p, t, c, accumulate)
                            } else {
                                Self.move(p, t, m, 1, c, accumulate)
                            }
                        }
                    }
                }
            }
        }
    }

    /// dst[k * dstStride] = (or +=) src[k * srcStride] for k < count.
    @inline(__always)
    private static func move(
        _ src: UnsafeMutablePointer<Float>, _ srcStride: Int, _ dst: UnsafeMutablePointer<Float>,
        _ dstStride: Int, _ count: Int, _ accumulate: Bool
    ) {
        if srcStride == 1 && dstStride == 1 {
            if accumulate {
                for k in 0..<count { dst[k] += src[k] }
            } else {
                dst.update(from: src, count: count)
            }
        } else if accumulate {
            for k in 0..<count { dst[k &* dstStride] += src[k &* srcStride] }
        } else {
            for k in 0..<count { dst[k &* dstStride] = src[k &* srcStride] }
        }
    }
}
