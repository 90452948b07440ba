/// Params of `sum` and `mean`.
public struct ReductionParams: PluginParams {
    /// The axes to reduce (negative count from the end); nil reduces every axis.
    @Param(
        "axes to reduce, negative counting from the end; reducing every axis without keepdims gives shape [1]",
        type: "list of int", shownDefault: "all axes")
    public var axes: [Int]? = nil
    /// Keep reduced axes as extent 1 instead of removing them.
    @Param("keep each reduced axis with extent 1") public var keepdims = false

    public init() {}

    public init(axes: [Int]? = nil, keepdims: Bool = false) {
        self.init()
        (self.axes, self.keepdims) = (axes, keepdims)
    }
}
