import CanopySpecs
import Testing

@Suite struct MappingReaderTests {
    @Test func readsTypedValuesWithDefaults() throws {
        let (node, diagnostics) = parse(
            """
            epochs: 30
            lr: 1
            name: run
            nesterov: true
            milestones: [10, 20]
            optimizer: {kind: sgd}

            """)
        let r = MappingReader(try #require(node), diagnostics)
        #expect(r.int("epochs", default: 10, range: 1...) == 30)
        #expect(r.double("lr", range: Bounds.above(0)) == 1.0)
        #expect(r.string("name") == "run")
        #expect(r.bool("nesterov", default: false) == true)
        #expect(r.sequence("milestones")?.compactMap(\.int) == [10, 20])
        #expect(r.int("batch", default: 128) == 128)
        #expect(r.optionalDouble("momentum") == nil)
        let optimizer = try #require(r.mapping("optimizer"))
        #expect(optimizer.choice("kind", from: ["sgd", "adam"]) == "sgd")
        optimizer.finish()
        r.finish()
        #expect(diagnostics.diagnostics.isEmpty)
    }

    @Test func unknownMissingWrongTypeAndOutOfRange() throws {
        let (node, diagnostics) = parse(
            """
            train:
              epochs: abc
              batch_size: 0
              temperature: -1.5
              lerning_rate: 0.1
              kind: adm
              zzz: 1

            """)
        let root = try #require(node)
        let train = try #require(MappingReader(root, diagnostics).mapping("train"))
        #expect(train.int("epochs", default: 10, range: 1...) == 10)
        #expect(train.int("batch_size", range: 1...) == nil)
        #expect(train.double("temperature", default: 4, range: Bounds.above(0)) == 4)
        #expect(train.double("learning_rate") == nil)
        #expect(train.choice("kind", from: ["sgd", "adam"], default: "sgd") == "sgd")
        #expect(train.optionalBool("nesterov") == nil)
        train.finish()
        #expect(
            diagnostics.render() == """
                t.yaml:2:3: error: missing required key 'learning_rate'
                    2 |   epochs: abc
                      |   ^
                t.yaml:2:11: error: expected an integer, found a string 'abc'
                    2 |   epochs: abc
                      |           ^~~
                t.yaml:3:15: error: 'batch_size' must be at least 1, found 0
                    3 |   batch_size: 0
                      |               ^
                t.yaml:4:16: error: 'temperature' must be greater than 0.0, found -1.5
                    4 |   temperature: -1.5
                      |                ^~~~
                t.yaml:5:3: error: unknown key 'lerning_rate' (did you mean 'learning_rate'?)
                    5 |   lerning_rate: 0.1
                      |   ^~~~~~~~~~~~
                t.yaml:6:9: error: 'kind' must be one of sgd, adam, found 'adm' (did you mean 'adam'?)
                    6 |   kind: adm
                      |         ^~~
                t.yaml:7:3: error: unknown key 'zzz' (valid keys: epochs, batch_size, temperature, learning_rate, kind, nesterov)
                    7 |   zzz: 1
                      |   ^~~

                """)
    }

    @Test func nonMappingAndNullNodes() throws {
        let (node, diagnostics) = parse("a: [1]\nb:\nc: {x: null}\n")
        let root = try #require(node)
        let a = MappingReader(root["a"]!, diagnostics)
        #expect(a.int("x", default: 1) == 1)
        a.finish()
        let b = MappingReader(root["b"]!, diagnostics)
        #expect(b.string("name") == nil)
        let c = MappingReader(root["c"]!, diagnostics)
        #expect(c.int("x", default: 7) == 7)
        #expect(c.int("x") == nil)
        #expect(
            messages(diagnostics) == [
                "t.yaml:1:4: error: expected a mapping, found a list",
                "t.yaml:2:3: error: missing required key 'name'",
                "t.yaml:3:8: error: expected an integer, found null",
            ])
    }

    @Test func boundsDescribeThemselves() {
        #expect((0...1).bounds.requirement == "between 0 and 1")
        #expect((0..<1).bounds.requirement == "at least 0 and less than 1")
        #expect((...5).bounds.requirement == "at most 5")
        #expect(Bounds.above(0.5).requirement == "greater than 0.5")
        #expect(Bounds.below(2).contains(1) && !Bounds.below(2).contains(2))
    }

    @Test func standaloneKeyChecks() throws {
        let (node, diagnostics) = parse("{a: 1, bb: 2}\n")
        let root = try #require(node)
        MappingReader.reportUnknownKeys(in: root.pairs!, known: ["a", "b"], diagnostics)
        #expect(messages(diagnostics) == ["t.yaml:1:8: error: unknown key 'bb' (did you mean 'b'?)"])
    }
}
