import CanopyRuntime
import Testing

/// Params declared once as stored properties with initial values: `ParamDecoder` fills
/// what a spec leaves out, derives snake_case keys, and stays strict.
@Suite struct PluginParamsTests {
    struct Params: PluginParams, Equatable {
        var temperature = 1.0
        var teacherEps = 0.0
        var milestones: [Int] = [150, 225]
        var warmup: Int?
        init() {}
    }

    @Test func leftOutKeysTakeTheirDefaults() throws {
        #expect(try ParamDecoder.decode(Params.self, from: .empty) == Params())
        var expected = Params()
        expected.teacherEps = 1e-7
        expected.warmup = 5
        #expect(
            try ParamDecoder.decode(Params.self, from: .object([("teacher_eps", .double(1e-7)), ("warmup", .int(5))]))
                == expected)
    }

    @Test func unknownAndMistypedKeysAreStillErrors() {
        #expect(throws: ParamErrors.self) { try ParamDecoder.decode(Params.self, from: .object([("teacherEps", .int(1))])) }
        do {
            _ = try ParamDecoder.decode(Params.self, from: .object([("teacher_ep", .int(1)), ("temperature", .string("hot"))]))
            Issue.record("decoded")
        } catch {
            #expect(error.errors.map(\.description) == ["temperature: expected a number, found a string \"hot\""])
        }
        do {
            _ = try ParamDecoder.decode(Params.self, from: .object([("teacher_ep", .int(1))]))
            Issue.record("decoded")
        } catch {
            #expect(error.errors.map(\.description) == ["teacher_ep: unknown key 'teacher_ep' (did you mean 'teacher_eps'?)"])
        }
    }

    @Test func specKeysAreSnakeCase() {
        #expect(ParamDecoder.specKey("teacherEps") == "teacher_eps")
        #expect(ParamDecoder.specKey("transposeA") == "transpose_a")
        #expect(ParamDecoder.specKey("temperature") == "temperature")
        #expect(ParamDecoder.specKey("branchwiseKD") == "branchwise_kd")
        #expect(ParamDecoder.specKey("ensembleToBranchKD") == "ensemble_to_branch_kd")
        #expect(ParamDecoder.specKey("lambdaBW") == "lambda_bw")
        #expect(ParamDecoder.specKey("teacher_eps") == "teacher_eps")
    }

    @Test func typedParamsEncodeToWhatTheDecoderReads() throws {
        let params = MatMul.Params(transposeA: true, alpha: 0.5)
        let value = ParamEncoder.encode(params)
        #expect(value == .object([("transpose_a", .bool(true)), ("transpose_b", .bool(false)), ("alpha", .double(0.5))]))
        let back = try ParamDecoder.decode(MatMul.Params.self, from: value)
        #expect(back.transposeA && !back.transposeB && back.alpha == 0.5)
        #expect(ParamEncoder.encode(ReductionParams(axes: [1])) == .object([("axes", .array([.int(1)])), ("keepdims", .bool(false))]))
        #expect(
            ParamEncoder.encode(Params())
                == .object([
                    ("temperature", .double(1)), ("teacher_eps", .double(0)),
                    ("milestones", .array([.int(150), .int(225)])),
                ]))
    }
}
