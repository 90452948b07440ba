/// Stacking values along a new axis (a method module's branch logits) and reshaping.
extension GraphBuilder {
    /// Stacks values of one shape [B, ...] into [B, n, ...] (reshape to [B, 1, ...], then
    /// concat along axis 1, in groups of at most 16 inputs).
    public mutating func stack(_ name: String, _ xs: [ValueID]) -> ValueID {
        let rows = xs.enumerated().map { i, x -> ValueID in
            let dims = isPoisoned(x) ? [1] : spec(x).shape.dims
            let shape = [dims[0], 1] + dims.dropFirst()
            return apply(
                "reshape", name: "\(name).row\(i)", params: .object([("shape", .array(shape.map { .int($0) }))]),
                inputs: [x])[0]
        }
        var parts = rows
        var round = 0
        while parts.count > 1 {
            parts = stride(from: 0, to: parts.count, by: 16).map { start in
                let group = Array(parts[start..<min(start + 16, parts.count)])
                return group.count == 1
                    ? group[0]
                    : apply("concat", name: "\(name).concat\(round).\(start / 16)", params: .object([("axis", .int(1))]), inputs: group)[0]
            }
            round += 1
        }
        return parts[0]
    }

    /// `reshape` to `shape`.
    public mutating func reshape(_ name: String, _ x: ValueID, _ shape: [Int]) -> ValueID {
        apply("reshape", name: name, params: .object([("shape", .array(shape.map { .int($0) }))]), inputs: [x])[0]
    }
}
