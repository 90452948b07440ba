import CanopyRuntime
import Testing

/// Expression-style graph building: values and gradients against hand-computed ones,
/// node names, and the builder's own errors (shapes, arity, poisoned inputs).
@Suite struct ExpressionTests {
    /// 0.5 * mean(sum((x - y) * (x - y), axes: [1])) over 2 rows of 3, with its gradient
    /// (x - y) / 2 for x and the negation for y.
    @Test func valueAndGradientsAreTheFormulas() throws {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.parameter("x", [2, 3], .zeros), y = b.parameter("y", [2, 3], .zeros)
        let loss = b.expression("loss", [x, y]) { v in 0.5 * mean(sum((v[0] - v[1]) * (v[0] - v[1]), axes: [1])) }
        b.addLoss("loss", loss)
        #expect(b.errors.isEmpty, "\(b.errors)")
        let memory = ModelMemory(graph: b.graph)
        let xs: [Float] = [1, 2, 3, 4, 5, 6], ys: [Float] = [0, 2, 5, 1, 1, 1]
        for i in 0..<6 {
            memory.parameter(x).f[i] = xs[i]
            memory.parameter(y).f[i] = ys[i]
        }
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: [loss])
        plan.run()
        // Row sums of squares: 1 + 0 + 4 = 5 and 9 + 16 + 25 = 50; half their mean is 13.75.
        #expect(try #require(plan.output(loss)).f[0] == 13.75)
        let dx = zip(xs, ys).map { ($0 - $1) / 2 }
        #expect(try #require(memory.gradient(x)).toArray() == dx)
        #expect(try #require(memory.gradient(y)).toArray() == dx.map { -$0 })
    }

    @Test func nodesAreNamedAfterTheirOperationAndTheResultAfterTheExpression() {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.parameter("x", [2, 3], .zeros)
        let result = b.expression("loss.kd", [x]) { v in sum(softmax(v[0], temperature: 2) * logSoftmax(v[0]) - softmax(v[0])) }
        #expect(
            b.graph.nodes.map(\.name) == [
                "loss.kd.softmax", "loss.kd.log_softmax", "loss.kd.mul", "loss.kd.softmax2",
                "loss.kd.scale", "loss.kd.sub", "loss.kd",
            ])
        #expect(b.graph[result].name == "loss.kd")
        #expect(b.graph.nodes[0].params == .object([("temperature", .double(2))]))
    }

    @Test func operandsOfTwoShapesAreOneErrorNamingTheOperation() {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.parameter("x", [2, 3], .zeros), y = b.parameter("y", [2, 4], .zeros)
        let result = b.expression("loss.l2", [x, y]) { v in
            let d = v[0] - v[1]
            return sum(d * d)
        }
        #expect(b.errors.map(\.message) == ["loss.l2: a - b needs values of one shape, found [2x3] and [2x4]"])
        #expect(b.isPoisoned(result))
    }

    @Test func aKernelGivenTheWrongNumberOfInputsIsAnError() {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.parameter("x", [2, 3], .zeros)
        let out = b.apply(Add.self, name: "n", params: Add.Params(), inputs: [x])
        #expect(b.errors.map(\.message) == ["n: add takes 2 inputs (a, b), given 1"])
        #expect(out.count == 1 && b.isPoisoned(out[0]))
    }

    @Test func aKernelErrorInsideAnExpressionNamesItsNode() {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.parameter("x", [2, 3], .zeros)
        _ = b.expression("loss.bad", [x]) { v in sum(softmax(v[0], temperature: -1)) }
        #expect(b.errors.map(\.message) == ["loss.bad.softmax: softmax needs a finite temperature > 0, got -1.0"])
    }

    /// A value from a part that failed is built on quietly: its error is reported already.
    @Test func poisonedInputsGiveNoFurtherErrors() {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let failed = b.poisonedValue("branch[0].logits"), x = b.parameter("x", [2, 3], .zeros)
        let result = b.expression("loss.kd", [failed, x]) { v in mean(sum((softmax(v[0]) - softmax(v[1])) * v[1], axes: [1])) }
        #expect(b.errors.isEmpty)
        #expect(b.isPoisoned(result))
    }
}
