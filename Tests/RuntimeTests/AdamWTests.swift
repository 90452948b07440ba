import CanopyRuntime
import Foundation
import Testing

@Suite struct AdamWTests {
    static let p0: [Double] = [1.0, -2.0, 0.5, 0.0, 3.0]
    static let grads: [[Double]] = [
        [0.1, 0.2, -0.3, 0.05, 0.0],
        [-0.2, 0.1, 0.4, 0.0, -1.0],
        [0.3, -0.1, 0.0, 0.2, 0.5],
    ]

    /// torch.optim.AdamW by hand, in Double; returns params, m, v (or vmax with amsgrad) after each step.
    static func reference(
        lr: Double, b1: Double, b2: Double, eps: Double, wd: Double, amsgrad: Bool,
        scale: [Double]? = nil
    ) -> [([Double], [Double], [Double])] {
        var p = p0, m = [Double](repeating: 0, count: 5), v = m, vmax = m
        var out: [([Double], [Double], [Double])] = []
        for (k, g) in grads.enumerated() {
            let t = Double(k + 1)
            for i in 0..<5 {
                p[i] *= 1 - lr * wd * (scale?[i] ?? 1)
                m[i] = b1 * m[i] + (1 - b1) * g[i]
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]
                vmax[i] = max(vmax[i], v[i])
                let second = amsgrad ? vmax[i] : v[i]
                p[i] -= (lr / (1 - pow(b1, t))) * m[i] / (second.squareRoot() / (1 - pow(b2, t)).squareRoot() + eps)
            }
            out.append((p, m, amsgrad ? vmax : v))
        }
        return out
    }

    @Test func threeStepsMatchTorchFormulas() throws {
        let adamw = try AdamW.make(
            .object([
                ("lr", .double(0.01)), ("betas", .array([.double(0.9), .double(0.999)])),
                ("eps", .double(1e-8)), ("weight_decay", .double(0.05)),
            ]))
        #expect(adamw.stateNames == ["exp_avg", "exp_avg_sq"])
        let h = OptimizerHarness(values: Self.p0.map(Float.init), stateBuffers: 2)
        let expected = Self.reference(lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.05, amsgrad: false)
        for (k, (p, m, v)) in expected.enumerated() {
            h.step(adamw, grads: Self.grads[k].map(Float.init), lr: 0.01)
            expectClose(h.currentValues, p, relative: 3e-6, "params after step \(k + 1)")
            expectClose(h.buffer(0), m, "exp_avg after step \(k + 1)")
            expectClose(h.buffer(1), v, "exp_avg_sq after step \(k + 1)")
        }
        #expect(h.state.steps == 3)
        // Element 0 at step 1 written out: p = 1 * (1 - 5e-4) = 0.9995, m = 0.01, v = 1e-5,
        // update = (0.01 / 0.1) * 0.01 / (sqrt(1e-5) / sqrt(0.001) + 1e-8) = 0.001 / (0.1 + 1e-8).
        #expect(abs(expected[0].0[0] - (0.9995 - 0.001 / (0.1 + 1e-8))) < 1e-12)
        // An element with zero gradients only decays.
        expectClose([h.currentValues[3]], [expected[2].0[3]])
    }

    @Test func amsgradKeepsTheRunningMaximum() throws {
        let adamw = try AdamW(params: .init(lr: 0.02, betas: [0.8, 0.9], eps: 1e-6, weightDecay: 0.1, amsgrad: true))
        #expect(adamw.stateNames == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"])
        let h = OptimizerHarness(values: Self.p0.map(Float.init), stateBuffers: 3)
        let expected = Self.reference(lr: 0.02, b1: 0.8, b2: 0.9, eps: 1e-6, wd: 0.1, amsgrad: true)
        for (k, (p, _, vmax)) in expected.enumerated() {
            h.step(adamw, grads: Self.grads[k].map(Float.init), lr: 0.02)
            expectClose(h.currentValues, p, relative: 3e-6, "params after step \(k + 1)")
            expectClose(h.buffer(2), vmax, "max_exp_avg_sq after step \(k + 1)")
        }
    }

    @Test func decayScaleExemptsElements() throws {
        let adamw = try AdamW(params: .init(lr: 0.01, weightDecay: 0.05, weightDecayAppliesTo: .matrices))
        #expect(adamw.weightDecayScope == .matrices)
        // A [2, 2] weight decays, a [1] bias does not.
        let scale = try #require(adamw.weightDecayScope.scales(for: [[2, 2], [1]]))
        #expect(scale == [1, 1, 1, 1, 0])
        let h = OptimizerHarness(values: Self.p0.map(Float.init), stateBuffers: 2, decayScale: scale)
        let expected = Self.reference(
            lr: 0.01, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.05, amsgrad: false,
            scale: scale.map(Double.init))
        for (k, (p, _, _)) in expected.enumerated() {
            h.step(adamw, grads: Self.grads[k].map(Float.init), lr: 0.01)
            expectClose(h.currentValues, p, relative: 3e-6, "step \(k + 1)")
        }
        #expect(WeightDecayScope.all.scales(for: [[2, 2], [1]]) == nil)
    }

    @Test func invalidParamsNameTheirKey() {
        func error(_ value: ParamValue) -> String? {
            do {
                _ = try AdamW.make(value)
                return nil
            } catch { return error.description }
        }
        #expect(error(.object([("betas", .array([.double(0.9)]))]))?.hasPrefix("betas: ") == true)
        #expect(error(.object([("betas", .array([.double(0.9), .double(1.0)]))]))?.hasPrefix("betas.1: ") == true)
        #expect(error(.object([("eps", .double(-1e-8))]))?.hasPrefix("eps: ") == true)
        #expect(error(.object([("step_before", .int(3))]))?.contains("unknown key 'step_before'") == true)
        #expect(error(.empty) == nil)
        let defaults = try? AdamW.make(.empty)
        #expect(defaults?.learningRate == 1e-3 && defaults?.params.weightDecay == 1e-2)
        #expect(AdamW.parameters.map(\.name) == ["lr", "betas", "eps", "weight_decay", "amsgrad", "weight_decay_applies_to"])
    }

    @Test func builtInListNamesBothOptimizers() {
        #expect(BuiltInOptimizers.all.map { $0.name } == ["sgd", "adamw"])
    }
}
