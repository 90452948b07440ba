import CanopyRuntime
import Testing

/// `@Param` declarations: the decoder checks their ranges and required keys, reporting
/// every problem of a mapping at once, and `parameterDocs` renders type, range and default.
@Suite struct ParamDeclarationTests {
    struct Warmup: PluginParams, Equatable {
        @Param("warm-up epochs", .greaterThan(0), required: true) var epochs = 1
        @Param("first factor", .between(0, 1)) var startFactor = 0.5
        init() {}
    }

    struct Params: PluginParams, Equatable {
        @Param("network depth", .atLeast(8), required: true) var depth = 20
        @Param("softmax temperature T", .greaterThan(0)) var temperature = 1.0
        @Param("decay rates", .from(0, below: 1)) var betas = [0.9, 0.999]
        @Param("blocks per stage", .between(1, 16), shownDefault: "from depth") var blocks: Int? = nil
        @Param("which k", .atLeast(1)) var k = OneOrList([1])
        @Param("warm-up, none by default") var warmup: Warmup? = nil
        init() {}
    }

    func problems(_ pairs: [(String, ParamValue)]) -> [String] {
        do {
            _ = try ParamDecoder.decode(Params.self, from: .object(pairs.map { (key: $0.0, value: $0.1) }))
            return []
        } catch { return error.errors.map(\.description) }
    }

    @Test func givenValuesAndDefaultsDecode() throws {
        let p = try ParamDecoder.decode(
            Params.self,
            from: .object([
                ("depth", .int(32)), ("k", .int(5)),
                ("warmup", .object([("epochs", .int(3))])),
            ]))
        #expect(p.depth == 32 && p.temperature == 1 && p.betas == [0.9, 0.999] && p.blocks == nil)
        #expect(p.k.values == [5])
        #expect(p.warmup?.epochs == 3 && p.warmup?.startFactor == 0.5)
    }

    @Test func everyViolationIsReportedAtItsKey() {
        #expect(
            problems([
                ("temperature", .double(-1)), ("betas", .array([.double(0.9), .double(1)])),
                ("blocks", .int(17)), ("k", .array([.int(1), .int(0)])), ("temprature", .int(2)),
            ]) == [
                "depth: missing required key 'depth'",
                "temprature: unknown key 'temprature' (did you mean 'temperature'?)",
                "temperature: must be greater than 0, found -1.0",
                "betas.1: must be in [0, 1), found 1.0",
                "blocks: must be between 1 and 16, found 17",
                "k.1: must be at least 1, found 0",
            ])
    }

    @Test func nestedParamsAreFilledAndChecked() {
        #expect(
            problems([("depth", .int(8)), ("warmup", .object([("start_factor", .double(2))]))]) == [
                "warmup.epochs: missing required key 'epochs'",
                "warmup.start_factor: must be in [0, 1], found 2.0",
            ])
    }

    @Test func nonFiniteNumbersAreOutsideEveryRange() {
        #expect(problems([("depth", .int(8)), ("temperature", .double(.infinity))]) == ["temperature: must be greater than 0, found inf"])
        #expect(problems([("depth", .int(8)), ("temperature", .double(.nan))]) == ["temperature: must be greater than 0, found nan"])
    }

    @Test func docsShowTypeRangeAndDefault() {
        #expect(
            Params.parameterDocs.map { "\($0.name): \($0.type) = \($0.defaultValue ?? "(required)")  \($0.doc)" } == [
                "depth: int >= 8 = (required)  network depth",
                "temperature: number > 0 = 1  softmax temperature T",
                "betas: list of numbers, each in [0, 1) = [0.9, 0.999]  decay rates",
                "blocks: int in 1...16 = from depth  blocks per stage",
                "k: int or [int], each >= 1 = [1]  which k",
                "warmup: value = none  warm-up, none by default",
            ])
    }
}
