/// Params of `sum` and `mean`.
public struct ReductionParams: Codable, Sendable {
    /// The axes to reduce (negative count from the end); nil reduces every axis.
    public var axes: [Int]?
    /// Keep reduced axes as extent 1 instead of removing them.
    public var keepdims: Bool

    /// The documentation of both keys, shared by the two kernels.
    static let docs: [ParameterDoc] = [
        ParameterDoc("axes", "list of int", default: "all axes",
                     "axes to reduce, negative counting from the end; reducing every axis without keepdims gives shape [1]"),
        ParameterDoc("keepdims", "bool", default: "false", "keep each reduced axis with extent 1"),
    ]

    private enum CodingKeys: String, CodingKey { case axes, keepdims }

    public init(axes: [Int]? = nil, keepdims: Bool = false) {
        self.axes = axes
        self.keepdims = keepdims
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        axes = try c.decodeIfPresent([Int].self, forKey: .axes)
        keepdims = try c.decodeIfPresent(Bool.self, forKey: .keepdims) ?? false
    }
}
