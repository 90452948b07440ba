import CanopyRuntime

/// The parameter-free ops the ConvNeXt and CSWin builders emit, as one-line calls.
extension GraphBuilder {
    /// `permute` with output dimension i = input dimension axes[i].
    mutating func permute(_ name: String, _ x: ValueID, _ axes: [Int]) -> ValueID {
        apply("permute", name: name, params: .object([("axes", .array(axes.map { .int($0) }))]), inputs: [x])[0]
    }

    /// Stochastic depth on a residual branch; x itself when `rate` is 0. Every drop-path
    /// node of a graph reads the one int32 input `DropPath.seedInput` (created on first
    /// use) and mixes in a salt derived from its own name, so nodes draw independent masks.
    mutating func dropPath(_ name: String, _ x: ValueID, rate: Double) -> ValueID {
        guard rate > 0 else { return x }
        let seed = graph.value(named: DropPath.seedInput) ?? input(DropPath.seedInput, TensorSpec([2], .int32))
        let hash = FNV1a.hash(name)
        let params = ParamValue.object([("rate", .double(rate)), ("salt", .int(Int(truncatingIfNeeded: hash >> 1)))])
        return apply("drop_path", name: name, params: params, inputs: [x, seed])[0]
    }

    /// `window_partition` of channels start ..< start + channels of a channels-last map.
    mutating func windowPartition(
        _ name: String, _ x: ValueID, window: (h: Int, w: Int), start: Int, channels: Int,
        heads: Int, layout: WindowLayout
    ) -> ValueID {
        var pairs: [(key: String, value: ParamValue)] = [
            ("window", .array([.int(window.h), .int(window.w)])), ("start", .int(start)), ("channels", .int(channels)),
            ("layout", .string(layout.rawValue)),
        ]
        if layout == .heads { pairs.append(("heads", .int(heads))) }
        return apply("window_partition", name: name, params: .object(pairs), inputs: [x])[0]
    }

    /// `window_reverse` back to a channels-last [B, size.h, size.w, C] map.
    mutating func windowReverse(
        _ name: String, _ x: ValueID, window: (h: Int, w: Int), size: (h: Int, w: Int),
        layout: WindowLayout
    ) -> ValueID {
        let params = ParamValue.object([
            ("window", .array([.int(window.h), .int(window.w)])), ("size", .array([.int(size.h), .int(size.w)])),
            ("layout", .string(layout.rawValue)),
        ])
        return apply("window_reverse", name: name, params: params, inputs: [x])[0]
    }
}
