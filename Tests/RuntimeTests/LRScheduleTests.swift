import CanopyRuntime
import Foundation
import Testing

@Suite struct LRScheduleTests {
    static func at(_ epoch: Int, step: Int = 0, of steps: Int = 10, total: Int = 300) -> TrainingPosition {
        TrainingPosition(epoch: epoch, step: step, stepsPerEpoch: steps, totalEpochs: total)
    }

    static func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 * max(abs(b), 1e-300) }

    @Test func multistepDecaysPerEpochLikeTheCIFARProtocol() throws {
        let s = try MultiStepSchedule.make(.object([("milestones", .array([.int(150), .int(225)])), ("gamma", .double(0.1))]))
        let expected: [(Int, Int, Double)] = [
            (0, 0, 0.1), (0, 9, 0.1), (149, 0, 0.1), (149, 9, 0.1), (150, 0, 0.01), (150, 5, 0.01),
            (224, 9, 0.01), (225, 0, 0.001), (299, 9, 0.001),
        ]
        for (epoch, step, lr) in expected {
            #expect(Self.close(s.learningRate(base: 0.1, at: Self.at(epoch, step: step)), lr), "epoch \(epoch) step \(step)")
        }
        // Milestones count like PyTorch's Counter: order does not matter, repeats apply twice.
        let repeated = try MultiStepSchedule(params: .init(milestones: [30, 10, 30], gamma: 0.5))
        #expect(repeated.learningRate(base: 1, at: Self.at(9)) == 1)
        #expect(repeated.learningRate(base: 1, at: Self.at(10)) == 0.5)
        #expect(repeated.learningRate(base: 1, at: Self.at(30)) == 0.125)
    }

    @Test func multistepWithWarmup() throws {
        let s = try MultiStepSchedule(params: .init(milestones: [3], gamma: 0.1, warmup: LinearWarmup(epochs: 2, startFactor: 0.1)))
        #expect(Self.close(s.learningRate(base: 1, at: Self.at(0)), 0.1))
        #expect(Self.close(s.learningRate(base: 1, at: Self.at(0, step: 5)), 0.325))
        #expect(Self.close(s.learningRate(base: 1, at: Self.at(1)), 0.55))
        #expect(s.learningRate(base: 1, at: Self.at(2)) == 1)
        #expect(Self.close(s.learningRate(base: 1, at: Self.at(3)), 0.1))
    }

    @Test func cosinePerStepByDefault() throws {
        let s = try CosineSchedule.make(.empty)
        let base = 0.1
        #expect(s.learningRate(base: base, at: Self.at(0, total: 200)) == base)
        #expect(Self.close(s.learningRate(base: base, at: Self.at(50, total: 200)), 0.085355339059327376))
        #expect(Self.close(s.learningRate(base: base, at: Self.at(100, total: 200)), 0.05))
        #expect(Self.close(s.learningRate(base: base, at: Self.at(150, total: 200)), 0.014644660940672624))
        // Halfway through epoch 0: e = 0.5.
        let mid = s.learningRate(base: base, at: Self.at(0, step: 195, of: 390, total: 200))
        #expect(Self.close(mid, base * (1 + cos(Double.pi * 0.5 / 200)) / 2))
        #expect(mid < base)
        // The end and beyond stay at the minimum.
        #expect(abs(s.learningRate(base: base, at: Self.at(200, total: 200))) < 1e-18)
        #expect(abs(s.learningRate(base: base, at: Self.at(250, total: 200))) < 1e-18)
    }

    @Test func cosinePerEpochMatchesTorchCosineAnnealingLR() throws {
        let s = try CosineSchedule.make(.object([("stepping", .string("epoch")), ("min_lr", .double(0.001)), ("epochs", .int(10))]))
        for epoch in 0..<12 {
            let torch = 0.001 + (0.1 - 0.001) * (1 + cos(Double.pi * Double(min(epoch, 10)) / 10)) / 2
            for step in [0, 7] {
                #expect(Self.close(s.learningRate(base: 0.1, at: Self.at(epoch, step: step, total: 300)), torch), "epoch \(epoch)")
            }
        }
    }

    @Test func cosineAfterLinearWarmup() throws {
        let s = try CosineSchedule.make(
            .object([
                ("min_lr", .double(1e-6)), ("warmup", .object([("epochs", .int(5)), ("start_factor", .double(0.01))])),
            ]))
        let base = 4e-3
        #expect(Self.close(s.learningRate(base: base, at: Self.at(0)), 4e-5))
        #expect(Self.close(s.learningRate(base: base, at: Self.at(2, step: 5)), base * (0.01 + 0.99 * 0.5)))
        #expect(Self.close(s.learningRate(base: base, at: Self.at(5)), base))
        #expect(Self.close(s.learningRate(base: base, at: Self.at(152, step: 5)), 1e-6 + (base - 1e-6) * 0.5))
        #expect(Self.close(s.learningRate(base: base, at: Self.at(300)), 1e-6))
        // Warm-up defaults to starting from zero.
        let fromZero = try CosineSchedule.make(.object([("warmup", .object([("epochs", .double(0.5))]))]))
        #expect(fromZero.learningRate(base: 1, at: Self.at(0)) == 0)
        #expect(Self.close(fromZero.learningRate(base: 1, at: Self.at(0, step: 1)), 0.2))
    }

    @Test func constantWithAndWithoutWarmup() throws {
        #expect(try ConstantSchedule.make(.empty).learningRate(base: 0.3, at: Self.at(7, step: 3)) == 0.3)
        let warm = try ConstantSchedule.make(.object([("warmup", .object([("epochs", .int(4)), ("start_factor", .double(0.2))]))]))
        #expect(Self.close(warm.learningRate(base: 0.5, at: Self.at(1)), 0.5 * 0.4))
        #expect(warm.learningRate(base: 0.5, at: Self.at(4)) == 0.5)
    }

    @Test func invalidParamsNameTheirKey() {
        func error<S: LRSchedule>(_ type: S.Type, _ value: ParamValue) -> String? {
            do {
                _ = try S.make(value)
                return nil
            } catch { return error.description }
        }
        #expect(error(MultiStepSchedule.self, .empty)?.contains("missing required key 'milestones'") == true)
        #expect(error(MultiStepSchedule.self, .object([("milestones", .array([.int(0)]))]))?.hasPrefix("milestones.0: ") == true)
        #expect(error(MultiStepSchedule.self, .object([("milestones", .array([])), ("gamma", .int(0))]))?.hasPrefix("gamma: ") == true)
        #expect(error(CosineSchedule.self, .object([("warmup", .object([("epochs", .int(0))]))]))?.hasPrefix("warmup.epochs: ") == true)
        #expect(error(CosineSchedule.self, .object([("warmup", .object([("epoch", .int(3))]))]))?.contains("epochs") == true)
        #expect(
            error(CosineSchedule.self, .object([("warmup", .object([("epochs", .int(1)), ("start_factr", .int(0))]))]))?
                .contains("did you mean 'start_factor'") == true)
        #expect(
            error(CosineSchedule.self, .object([("epochs", .int(5)), ("warmup", .object([("epochs", .int(5))]))]))?
                .hasPrefix("warmup.epochs: ") == true)
        #expect(error(CosineSchedule.self, .object([("stepping", .string("iteration"))]))?.contains("step | epoch") == true)
        #expect(
            error(ConstantSchedule.self, .object([("warmup", .object([("epochs", .int(2)), ("start_factor", .double(1.5))]))]))?
                .hasPrefix("warmup.start_factor: ") == true)
        #expect(error(ConstantSchedule.self, .object([("lr", .double(0.1))]))?.contains("unknown key 'lr'") == true)
    }

    @Test func builtInListAndDocs() {
        #expect(BuiltInSchedules.all.map { $0.name } == ["constant", "multistep", "cosine"])
        #expect(CosineSchedule.parameters.map(\.name) == ["min_lr", "epochs", "stepping", "warmup"])
        #expect(MultiStepSchedule.parameters.map(\.name) == ["milestones", "gamma", "warmup"])
    }
}
