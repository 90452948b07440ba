import CanopyRuntime
import Testing

/// window_partition and window_reverse: index layout against direct arithmetic, round
/// trips, gradient checks (copies: step 1e-2, tolerance 1e-3) and setup errors.
@Suite struct WindowTests {
    struct Cut: Sendable, CustomTestStringConvertible {
        var x: [Int], window: (Int, Int), start: Int, channels: Int, heads: Int, layout: String
        var testDescription: String { "x \(x) window \(window) channels \(start)+\(channels) heads \(heads) \(layout)" }
        var params: ParamValue {
            var pairs: [(key: String, value: ParamValue)] = [
                ("window", .array([.int(window.0), .int(window.1)])),
                ("start", .int(start)), ("channels", .int(channels)),
                ("layout", .string(layout)),
            ]
            if layout == "heads" { pairs.append(("heads", .int(heads))) }
            return .object(pairs)
        }
    }

    static let cuts: [Cut] = [
        Cut(x: [2, 4, 6, 5], window: (4, 2), start: 1, channels: 4, heads: 2, layout: "heads"),
        Cut(x: [2, 4, 6, 5], window: (2, 6), start: 0, channels: 5, heads: 1, layout: "heads"),
        Cut(x: [1, 3, 3, 12], window: (3, 3), start: 8, channels: 4, heads: 4, layout: "heads"),
        Cut(x: [3, 6, 2, 7], window: (3, 1), start: 2, channels: 3, heads: 1, layout: "channels_first"),
        Cut(x: [2, 5, 5, 6], window: (1, 5), start: 4, channels: 2, heads: 1, layout: "channels_first"),
    ]

    /// The windowed value at each output index, by the definition.
    static func reference(_ x: [Float], _ c: Cut) -> [Float] {
        let (b, h, w, cc) = (c.x[0], c.x[1], c.x[2], c.x[3])
        let (wh, ww) = c.window
        let (nh, nw) = (h / wh, w / ww), t = wh * ww, d = c.channels / c.heads
        var y: [Float] = []
        for win in 0..<(b * nh * nw) {
            let (n, i, j) = (win / (nh * nw), (win / nw) % nh, win % nw)
            func at(_ token: Int, _ channel: Int) -> Float {
                let (r, col) = (token / ww, token % ww)
                return x[((n * h + i * wh + r) * w + j * ww + col) * cc + c.start + channel]
            }
            if c.layout == "heads" {
                for head in 0..<c.heads { for token in 0..<t { for e in 0..<d { y.append(at(token, head * d + e)) } } }
            } else {
                for channel in 0..<c.channels { for token in 0..<t { y.append(at(token, channel)) } }
            }
        }
        return y
    }

    @Test(arguments: cuts)
    func partitionMatchesDefinitionAndReverses(_ c: Cut) throws {
        let registry = BuiltInKernels.registry()
        let spec = TensorSpec(Shape(c.x))
        let cut = StandaloneKernel(try registry.make("window_partition", params: c.params, inputs: [spec]), inputs: [spec])
        var rng = TestRandom(seed: 9)
        let x = (0..<spec.shape.count).map { _ in rng.uniform(-1, 1) }
        _ = cut.inputs[0].tensor.floats.update(from: x)
        cut.forward()
        let y = cut.outputs[0].tensor
        #expect(y.toArray() == Self.reference(x, c))

        let reverseParams = ParamValue.object([
            ("window", .array([.int(c.window.0), .int(c.window.1)])),
            ("size", .array([.int(c.x[1]), .int(c.x[2])])), ("layout", .string(c.layout)),
        ])
        let back = StandaloneKernel(try registry.make("window_reverse", params: reverseParams, inputs: [y.spec]), inputs: [y.spec])
        _ = back.inputs[0].tensor.floats.update(from: y.toArray())
        back.forward()
        #expect(back.outputs[0].tensor.shape.dims == [c.x[0], c.x[1], c.x[2], c.channels])
        // The map rebuilt from the windows holds the taken channels.
        let taken = stride(from: 0, to: x.count, by: c.x[3]).flatMap { x[($0 + c.start)..<($0 + c.start + c.channels)] }
        #expect(back.outputs[0].tensor.toArray() == taken)

        GradientCheck(tolerance: 1e-3).check(cut.kernel, inputs: [spec])
        GradientCheck(tolerance: 1e-3).check(back.kernel, inputs: [y.spec])
    }

    @Test func setupErrors() {
        let x = [TensorSpec([2, 4, 6, 8])]
        func window(_ h: Int, _ w: Int) -> (key: String, value: ParamValue) { ("window", .array([.int(h), .int(w)])) }
        #expect(setupFailure("window_partition", .object([window(3, 2)]), inputs: x)?.blamedInput == 0)
        #expect(setupFailure("window_partition", .object([window(2, 2), ("start", .int(6)), ("channels", .int(4))]), inputs: x)?.blamedInput == 0)
        #expect(setupFailure("window_partition", .object([window(2, 2), ("heads", .int(3))]), inputs: x) != nil)
        #expect(
            setupFailure("window_partition", .object([window(2, 2), ("heads", .int(2)), ("layout", .string("channels_first"))]), inputs: x) != nil)
        #expect(setupFailure("window_partition", .object([window(2, 2), ("layout", .string("nhwc"))]), inputs: x) != nil)
        #expect(setupFailure("window_partition", .empty, inputs: x)?.description == "window: missing required key 'window'")
        #expect(setupFailure("window_partition", .object([window(2, 2)]), inputs: [TensorSpec([2, 4, 6])]) != nil)
        let w = [TensorSpec([6, 2, 4, 3])]
        func reverse(_ pairs: [(key: String, value: ParamValue)]) -> KernelSetupError? { setupFailure("window_reverse", .object(pairs), inputs: w) }
        #expect(reverse([window(2, 2), ("size", .array([.int(4), .int(6)]))]) == nil)
        #expect(reverse([window(2, 2), ("size", .array([.int(4), .int(5)]))]) != nil)
        #expect(reverse([window(2, 2), ("size", .array([.int(4), .int(8)]))])?.blamedInput == 0)
        #expect(reverse([window(1, 2), ("size", .array([.int(4), .int(6)]))])?.blamedInput == 0)
        #expect(reverse([window(2, 2)])?.description == "size: missing required key 'size'")
    }
}
