/// Graph building in the notation of the formula: values combine with `+ - * /` and
/// with functions (`softmax(x, temperature:)`, `logSoftmax`, `sum`, `mean(axes:)`,
/// `matmul`, `concat`, `slice`, `detach`), each of which adds its kernel to the graph,
/// applied by type with typed params.
///
///     b.expression("loss.sym_kl", inputs) { x in
///         let (p, q) = (softmax(x[0], temperature: T), softmax(x[1], temperature: T))
///         let (logP, logQ) = (logSoftmax(x[0], temperature: T), logSoftmax(x[1], temperature: T))
///         return T * T * mean(sum((p - q) * (logP - logQ), axes: [1]))
///     }
///
/// Mistakes are handled once, here and in `GraphBuilder.apply`: a shape mismatch is an
/// error naming the operation and the shapes, at the current origin, and a value built
/// on a failed one is poisoned quietly, so an expression never tests `isPoisoned`.
/// Nodes are named `<name>.<operation>` (`loss.sym_kl.softmax2`); the result is `<name>`.
public struct Expr {
    /// The graph value.
    public let id: ValueID
    /// The expression graph the value belongs to (for `error`).
    public let graph: ExpressionGraph

    /// The value's shape (meaningless for a poisoned value, which has shape [0]).
    public var shape: Shape { graph.builder.spec(id).shape }
    /// Whether the value comes from a failed part (a later error about it would mislead).
    public var isPoisoned: Bool { graph.builder.isPoisoned(id) }

    /// The value renamed `<name>.<suffix>`, for an intermediate that plans, profiles or
    /// tests refer to (`c.named("pair0_1.cross_correlation")`).
    public func named(_ suffix: String) -> Expr {
        if !isPoisoned { graph.builder.rename(id, to: "\(graph.prefix).\(suffix)") }
        return self
    }
}

/// The builder an expression adds its nodes to, shared by its values while
/// `GraphBuilder.expression` runs.
public final class ExpressionGraph {
    var builder: GraphBuilder
    let prefix: String
    private var uses: [String: Int] = [:]
    private var reported: Set<String> = []

    fileprivate init(_ builder: GraphBuilder, prefix: String) {
        self.builder = builder
        self.prefix = prefix
    }

    /// A value of the graph as an expression.
    public func value(_ id: ValueID) -> Expr { Expr(id: id, graph: self) }

    /// Records a problem at the current origin (for checks an expression makes itself);
    /// a problem already reported (the same mismatch met again further on) is not repeated.
    public func error(_ message: String) {
        guard reported.insert(message).inserted else { return }
        builder.error("\(prefix): \(message)")
    }

    /// `<prefix>.<operation>`, numbered from the second use on.
    func name(_ operation: String) -> String {
        let n = (uses[operation] ?? 0) + 1
        uses[operation] = n
        return "\(prefix).\(operation)\(n == 1 ? "" : String(n))"
    }

    /// Applies `kernel` to `inputs`, all of which must belong to this graph.
    func apply<K: Kernel>(_ kernel: K.Type, _ operation: String, _ params: K.Params, _ inputs: [Expr]) -> Expr
    where K.Params: Encodable {
        precondition(inputs.allSatisfy { $0.graph === self }, "an expression combines values of two graphs")
        return value(builder.apply(kernel, name: name(operation), params: params, inputs: inputs.map(\.id))[0])
    }
}

extension ExpressionGraph {
    /// `a <symbol> b` elementwise: operands of two shapes are one error that names the
    /// operation, rather than one about the kernel behind it.
    func elementwise(_ a: Expr, _ symbol: String, _ b: Expr, _ emit: () -> Expr) -> Expr {
        guard a.isPoisoned || b.isPoisoned || builder.spec(a.id) == builder.spec(b.id) else {
            error("a \(symbol) b needs values of one shape, found \(builder.spec(a.id)) and \(builder.spec(b.id))")
            return value(builder.poisonedValue(name("failed")))
        }
        return emit()
    }
}

extension GraphBuilder {
    /// The value `body` builds from `inputs` (given to it as expressions), named `name`.
    public mutating func expression(_ name: String, _ inputs: [ValueID] = [], _ body: ([Expr]) -> Expr) -> ValueID {
        let graph = ExpressionGraph(self, prefix: name)
        self = GraphBuilder(kernels: kernels, threads: threads)  // the expression owns the builder meanwhile, so nothing is copied
        let result = body(inputs.map(graph.value))
        self = graph.builder
        if !isPoisoned(result.id) { rename(result.id, to: name) }
        return result.id
    }
}

// MARK: Arithmetic

extension Expr {
    public static func + (a: Expr, b: Expr) -> Expr {
        a.graph.elementwise(a, "+", b) { a.graph.apply(Add.self, "add", Add.Params(), [a, b]) }
    }
    public static func - (a: Expr, b: Expr) -> Expr {
        a.graph.elementwise(a, "-", b) { a.graph.apply(Add.self, "sub", Add.Params(), [a, -b]) }
    }
    public static func * (a: Expr, b: Expr) -> Expr {
        a.graph.elementwise(a, "*", b) { a.graph.apply(Mul.self, "mul", Mul.Params(), [a, b]) }
    }
    public static prefix func - (a: Expr) -> Expr { -1 * a }
    public static func * (k: Double, a: Expr) -> Expr { a.graph.apply(Scale.self, "scale", Scale.Params(alpha: Float(k)), [a]) }
    public static func * (a: Expr, k: Double) -> Expr { k * a }
    public static func / (a: Expr, k: Double) -> Expr { (1 / k) * a }
}

// MARK: Functions

/// softmax(x / T) over the last axis.
public func softmax(_ x: Expr, temperature: Double = 1) -> Expr {
    x.graph.apply(Softmax.self, "softmax", SoftmaxParams(temperature: Float(temperature)), [x])
}

/// log softmax(x / T) over the last axis.
public func logSoftmax(_ x: Expr, temperature: Double = 1) -> Expr {
    x.graph.apply(LogSoftmax.self, "log_softmax", SoftmaxParams(temperature: Float(temperature)), [x])
}

/// The sum over `axes` (every axis by default, giving shape [1]).
public func sum(_ x: Expr, axes: [Int]? = nil, keepdims: Bool = false) -> Expr {
    x.graph.apply(Sum.self, "sum", ReductionParams(axes: axes, keepdims: keepdims), [x])
}

/// The mean over `axes` (every axis by default, giving shape [1]).
public func mean(_ x: Expr, axes: [Int]? = nil, keepdims: Bool = false) -> Expr {
    x.graph.apply(Mean.self, "mean", ReductionParams(axes: axes, keepdims: keepdims), [x])
}

/// alpha * op(a) op(b), op transposing when asked.
public func matmul(_ a: Expr, _ b: Expr, transposeA: Bool = false, transposeB: Bool = false, alpha: Double = 1) -> Expr {
    a.graph.apply(
        MatMul.self, "matmul", MatMul.Params(transposeA: transposeA, transposeB: transposeB, alpha: Float(alpha)),
        [a, b])
}

/// The values joined along `axis`.
public func concat(_ values: [Expr], axis: Int = 1) -> Expr {
    guard let first = values.first else { preconditionFailure("concat of no values") }
    return first.graph.apply(Concat.self, "concat", Concat.Params(axis: axis), values)
}

/// `length` entries of `x` along `axis` from `start`.
public func slice(_ x: Expr, axis: Int = 1, start: Int, length: Int) -> Expr {
    x.graph.apply(AxisSlice.self, "slice", AxisSlice.Params(axis: axis, start: start, length: length), [x])
}

/// The elementwise sum of `values` (of one shape), added left to right.
public func sum(_ values: [Expr]) -> Expr {
    guard let first = values.first else { preconditionFailure("sum of no values") }
    return values.dropFirst().reduce(first, +)
}

/// Kernel `K` applied to `inputs` with typed params, for kernels without a function of
/// their own here: `kernel(BatchStandardize.self, .init(eps: 1e-5), h)`. The node is
/// named after the kernel.
public func kernel<K: Kernel>(_ kernel: K.Type, _ params: K.Params, _ inputs: Expr...) -> Expr where K.Params: Encodable {
    guard let first = inputs.first else { preconditionFailure("\(K.name) applied to no values") }
    return first.graph.apply(kernel, K.name, params, inputs)
}

/// `x` with no gradient flowing back through it.
public func detach(_ x: Expr) -> Expr {
    let graph = x.graph
    return graph.value(graph.builder.detach(x.id, name: graph.name("detached")))
}
