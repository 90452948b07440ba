import CanopyPlugins
import CanopyRuntime
import Testing

/// Stochastic depth through compiled plans: a training step is a function of the seed
/// input (same seed, same bits; another step counter, another result), and evaluation
/// ignores it: an eval plan with drop path gives the logits of the same network
/// built without it.
@Suite struct DropPathPlanTests {
    static func networks(rate: Double) -> [(String, (inout GraphBuilder, ValueID) -> [String: ValueID])] {
        var convnext = ConvNeXt(depths: [1, 1, 2, 1], dims: [8, 16, 24, 32], classes: 5)
        convnext.dropPathRate = rate
        var cswin = CSWin(embedDim: 8, depths: [1, 2, 1, 1], heads: [2, 2, 4, 4], classes: 5)
        cswin.dropPathRate = rate
        return [("convnext", { convnext.build(&$0, $1) }), ("cswin", { cswin.build(&$0, $1) })]
    }

    struct Built {
        let memory: ModelMemory
        let logits: ValueID
        let loss: ValueID
    }

    static func build(_ network: (inout GraphBuilder, ValueID) -> [String: ValueID]) throws -> Built {
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let x = b.input("x", TensorSpec([4, 3, 32, 32]))
        let target = b.input("target", TensorSpec([4], .int32))
        let logits = try #require(network(&b, x)["logits"])
        let loss = b.apply("cross_entropy", name: "loss", inputs: [logits, target])[0]
        b.addLoss("ce", loss)
        #expect(b.errors.isEmpty, "\(b.errors)")
        let memory = ModelMemory(graph: b.graph)
        memory.initialize(seed: 3)
        return Built(memory: memory, logits: logits, loss: loss)
    }

    /// Writes the batch; inputs must be written before every run (the arena reuses their memory).
    static func fillBatch(_ plan: Plan) throws {
        var rng = SeededRandom(seed: 11)
        let x = try #require(plan.input("x"))
        for i in 0..<x.count { x.f[i] = Float(rng.uniform(-1, 1)) }
        if let t = plan.input("target") {
            for i in 0..<t.count { t.i[i] = Int32(i % 5) }
        }
    }

    @Test func trainingIsAFunctionOfTheSeed() throws {
        for (name, network) in Self.networks(rate: 0.5) {
            let net = try Self.build(network)
            let plan = PlanLowering.lower(net.memory, purpose: .train, outputs: [net.logits, net.loss])
            let seed = try #require(plan.input(DropPath.seedInput), "\(name)")
            func step(_ run: Int32, _ counter: Int32) throws -> ([Float], [Float]) {
                try Self.fillBatch(plan)
                seed.i[0] = run
                seed.i[1] = counter
                plan.run()
                let grads = Array(
                    UnsafeBufferPointer(
                        start: net.memory.gradients.base.assumingMemoryBound(to: Float.self),
                        count: net.memory.trainableCount))
                return (plan.output(net.logits)!.toArray(), grads)
            }
            let first = try step(7, 0), again = try step(7, 0), next = try step(7, 1)
            #expect(first.0 == again.0 && first.1 == again.1, "\(name): same seed, same step")
            #expect(first.0 != next.0 && first.1 != next.1, "\(name): the step counter draws new masks")
        }
    }

    @Test func evaluationIgnoresDropPath() throws {
        for ((name, dropping), (_, plain)) in zip(Self.networks(rate: 0.5), Self.networks(rate: 0)) {
            let a = try Self.build(dropping), b = try Self.build(plain)
            let evalA = PlanLowering.lower(a.memory, purpose: .eval, outputs: [a.logits])
            let evalB = PlanLowering.lower(b.memory, purpose: .eval, outputs: [b.logits])
            let seed = try #require(evalA.input(DropPath.seedInput))
            seed.i[0] = 1
            try Self.fillBatch(evalA)
            evalA.run()
            let first = evalA.output(a.logits)!.toArray()
            seed.i[1] = 9
            try Self.fillBatch(evalA)
            evalA.run()
            try Self.fillBatch(evalB)
            evalB.run()
            #expect(evalA.output(a.logits)!.toArray() == first, "\(name)")
            #expect(evalB.output(b.logits)!.toArray() == first, "\(name): same parameters, no drop path")
        }
    }
}
