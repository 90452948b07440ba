import CanopyRuntime
import Testing

@Suite struct SGDTests {
    static let p0: [Double] = [1.0, -2.0, 0.5, 0.0, 3.0]
    static let g1: [Double] = [0.1, 0.2, -0.3, 0.05, 0.0]
    static let g2: [Double] = [-0.2, 0.1, 0.4, 0.0, -1.0]
    static let g3: [Double] = [0.3, -0.1, 0.0, 0.2, 0.5]

    @Test func nesterovMomentumWithWeightDecayTwoSteps() throws {
        let sgd = try SGD.make(
            .object([
                ("lr", .double(0.1)), ("momentum", .double(0.9)), ("nesterov", .bool(true)),
                ("weight_decay", .double(5e-4)),
            ]))
        #expect(sgd.stateNames == ["momentum_buffer"])
        let h = OptimizerHarness(values: Self.p0.map(Float.init), stateBuffers: 1)

        // torch.optim.SGD by hand, in Double.
        let lr = 0.1, mu = 0.9, wd = 5e-4
        var p = Self.p0, b = [Double](repeating: 0, count: 5)
        for (t, g) in [Self.g1, Self.g2].enumerated() {
            for i in 0..<5 {
                let d = g[i] + wd * p[i]
                b[i] = t == 0 ? d : mu * b[i] + d
                p[i] -= lr * (d + mu * b[i])
            }
            h.step(sgd, grads: g.map(Float.init), lr: lr)
            expectClose(h.currentValues, p, "params after step \(t + 1)")
            expectClose(h.buffer(0), b, "buffer after step \(t + 1)")
        }
        #expect(h.state.steps == 2)
        // Element 0 written out: step 1 d = 0.1005, p = 1 - 0.1 * 1.9 * 0.1005 = 0.980905;
        // step 2 d = -0.2 + 0.0004904525 = -0.1995095475, b = 0.09045 - 0.1995095475 = -0.1090595475,
        // p = 0.980905 - 0.1 * (-0.1995095475 - 0.09815359275) = 1.01067131403.
        expectClose([h.currentValues[0]], [1.010671314025], "element 0")
    }

    @Test func plainMomentumWithDampeningThreeSteps() throws {
        let sgd = try SGD(params: .init(lr: 0.05, momentum: 0.8, dampening: 0.25, weightDecay: 0.01))
        let h = OptimizerHarness(values: Self.p0.map(Float.init), stateBuffers: 1)
        var p = Self.p0, b = [Double](repeating: 0, count: 5)
        for (t, g) in [Self.g1, Self.g2, Self.g3].enumerated() {
            for i in 0..<5 {
                let d = g[i] + 0.01 * p[i]
                b[i] = t == 0 ? d : 0.8 * b[i] + 0.75 * d
                p[i] -= 0.05 * b[i]
            }
            h.step(sgd, grads: g.map(Float.init), lr: 0.05)
            expectClose(h.currentValues, p, "step \(t + 1)")
        }
    }

    @Test func withoutMomentumThereIsNoState() throws {
        let sgd = try SGD.make(.object([("lr", .double(0.5))]))
        #expect(sgd.stateNames.isEmpty)
        let h = OptimizerHarness(values: [1, 2], stateBuffers: 0)
        h.step(sgd, grads: [0.5, -1], lr: sgd.learningRate)
        expectClose(h.currentValues, [0.75, 2.5])
        // The learning rate passed in (from a schedule) is the one used.
        h.step(sgd, grads: [1, 1], lr: 0.1)
        expectClose(h.currentValues, [0.65, 2.4])
    }

    @Test func decayScaleExemptsElements() throws {
        let sgd = try SGD(params: .init(lr: 1, weightDecay: 0.1))
        let h = OptimizerHarness(values: [2, 2, 2], stateBuffers: 0, decayScale: [1, 0, 0.5])
        h.step(sgd, grads: [0, 0, 0], lr: 1)
        expectClose(h.currentValues, [1.8, 2, 1.9])
    }

    @Test func largeBuffersSplitAcrossThreadsGiveTheSameResult() throws {
        let n = 200_003
        let sgd = try SGD(params: .init(lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 5e-4))
        let values = (0..<n).map { Float(($0 % 17) - 8) * 0.125 }
        let grads = (0..<n).map { Float(($0 % 13) - 6) * 0.01 }
        let h = OptimizerHarness(values: values, stateBuffers: 1)
        h.step(sgd, grads: grads, lr: 0.1)
        h.step(sgd, grads: grads, lr: 0.1)
        // The same update one element at a time, in Float as the optimizer computes it.
        let wd: Float = 5e-4, mu: Float = 0.9, lr: Float = 0.1
        var mismatches = 0
        let got = h.currentValues
        for i in 0..<n {
            var p = values[i], b: Float = 0
            for t in 0..<2 {
                let d = grads[i] + wd * p
                b = t == 0 ? d : mu * b + 1 * d
                p = p - lr * (d + mu * b)
            }
            if p != got[i] { mismatches += 1 }
        }
        #expect(mismatches == 0)
    }

    @Test func invalidParamsNameTheirKey() {
        func error(_ value: ParamValue) -> String? {
            do {
                _ = try SGD.make(value)
                return nil
            } catch { return error.description }
        }
        #expect(error(.object([("nesterov", .bool(true))]))?.hasPrefix("nesterov: ") == true)
        #expect(error(.object([("lr", .double(-1))]))?.hasPrefix("lr: ") == true)
        #expect(
            error(.object([("momentum", .double(0.9)), ("dampening", .double(0.1)), ("nesterov", .bool(true))]))?
                .contains("dampening 0") == true)
        #expect(error(.object([("weight_decay", .double(-1))]))?.hasPrefix("weight_decay: ") == true)
        #expect(error(.object([("momentun", .double(0.9))]))?.contains("did you mean 'momentum'") == true)
        #expect(
            error(.object([("weight_decay_applies_to", .string("matrixes"))]))
                == "weight_decay_applies_to: unknown value 'matrixes', expected one of all | matrices (did you mean 'matrices'?)")
        #expect(error(.object([("lr", .string("fast"))])) != nil)
        // Every key is documented.
        #expect(SGD.parameters.map(\.name) == ["lr", "momentum", "dampening", "nesterov", "weight_decay", "weight_decay_applies_to"])
    }
}
