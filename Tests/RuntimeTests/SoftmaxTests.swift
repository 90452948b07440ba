import CanopyRuntime
import Foundation
import Testing

/// softmax and log_softmax. Gradient checks use the default step 1e-2 and relative
/// tolerance 2e-2 (central differences of a float32 forward summed in Double).
@Suite struct SoftmaxTests {
    static let shapes: [Shape] = [[1, 1], [3, 7], [2, 3, 5], [4, 1, 9], [13]]

    func make(_ type: any Kernel.Type, _ shape: Shape, temperature: Double = 1) throws -> any Kernel {
        try KernelRegistry.make(type, params: .object([("temperature", .double(temperature))]), inputs: [TensorSpec(shape)])
    }

    func run(_ type: any Kernel.Type, _ x: [Float], shape: Shape, temperature: Double = 1) throws -> [Float] {
        let run = StandaloneKernel(try make(type, shape, temperature: temperature), inputs: [TensorSpec(shape)])
        _ = run.inputs[0].tensor.floats.update(from: x)
        run.forward()
        return run.outputs[0].tensor.toArray()
    }

    @Test(arguments: [1.0, 3.0])
    func softmaxGradientMatchesFiniteDifferences(temperature: Double) throws {
        for (i, shape) in Self.shapes.enumerated() {
            let k = try make(Softmax.self, shape, temperature: temperature)
            GradientCheck().check(k, inputs: [TensorSpec(shape)], seed: UInt64(i + 1)) { _, t, rng in
                for j in 0..<t.count { t.f[j] = rng.uniform(-3, 3) }
            }
        }
    }

    @Test(arguments: [1.0, 3.0])
    func logSoftmaxGradientMatchesFiniteDifferences(temperature: Double) throws {
        for (i, shape) in Self.shapes.enumerated() {
            let k = try make(LogSoftmax.self, shape, temperature: temperature)
            GradientCheck().check(k, inputs: [TensorSpec(shape)], seed: UInt64(i + 11)) { _, t, rng in
                for j in 0..<t.count { t.f[j] = rng.uniform(-3, 3) }
            }
        }
    }

    @Test func softmaxRowsSumToOneAndSurviveLargeLogits() throws {
        let y = try run(Softmax.self, [1000, 1001, 1002, -5, -5, -5], shape: [2, 3])
        let z = 1 + exp(1.0) + exp(2.0)
        let e = [1 / z, exp(1.0) / z, exp(2.0) / z]
        for j in 0..<3 {
            #expect(abs(Double(y[j]) - e[j]) < 1e-6)
            #expect(abs(y[3 + j] - 1.0 / 3) < 1e-7)
        }
    }

    @Test func temperatureDividesTheLogits() throws {
        let x: [Float] = [0.5, -1.25, 2, 0.75, 3]
        let hot = try run(Softmax.self, x, shape: [5], temperature: 2.5)
        let scaled = try run(Softmax.self, x.map { $0 / 2.5 }, shape: [5])
        for (a, b) in zip(hot, scaled) { #expect(abs(a - b) < 1e-7) }
        let logHot = try run(LogSoftmax.self, x, shape: [5], temperature: 2.5)
        for (a, b) in zip(logHot, hot) { #expect(abs(a - log(b)) < 1e-6) }
    }

    @Test func logSoftmaxOfUniformRowIsMinusLogC() throws {
        let y = try run(LogSoftmax.self, [Float](repeating: 7, count: 12), shape: [3, 4])
        for v in y { #expect(abs(v + log(4)) < 1e-6) }
    }

    @Test func largeTensorMatchesRowByRow() throws {
        var rng = TestRandom(seed: 5)
        let rows = 300, c = 129
        let x = (0..<rows * c).map { _ in rng.uniform(-4, 4) }
        let big = try run(LogSoftmax.self, x, shape: [rows, c])
        for r in [0, 151, 299] {
            let one = try run(LogSoftmax.self, Array(x[r * c..<(r + 1) * c]), shape: [c])
            #expect(Array(big[r * c..<(r + 1) * c]) == one)
        }
    }

    @Test func badTemperatureAndIntegerInputAreRejected() {
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(Softmax.self, params: .object([("temperature", .int(0))]), inputs: [TensorSpec([2, 3])])
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(LogSoftmax.self, params: .empty, inputs: [TensorSpec([2, 3], .int32)])
        }
        #expect(throws: KernelSetupError.self) {
            try KernelRegistry.make(Softmax.self, params: .object([("temprature", .int(2))]), inputs: [TensorSpec([2, 3])])
        }
    }
}
