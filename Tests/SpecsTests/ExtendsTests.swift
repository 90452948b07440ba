import CanopySpecs
import Testing

@Suite struct ExtendsTests {
    @Test func deepMergeWithABaseTwoLevelsUp() throws {
        let dir = temporaryDirectory()
        write(
            """
            optimizer:
              name: sgd
              lr: 0.1
              momentum: 0.9
            train: {epochs: 200, batch: 128}
            tags: [a, b]

            """, to: "\(dir)/base.yaml")
        write(
            """
            extends: ../../base.yaml
            optimizer:
              lr: 0.05
            tags: [c]
            seed: 1

            """, to: "\(dir)/specs/cifar/x.yaml")
        let diagnostics = DiagnosticEngine()
        let root = try #require(SpecLoader(diagnostics: diagnostics).load("\(dir)/specs/cifar/x.yaml"))
        #expect(diagnostics.diagnostics.isEmpty)
        #expect(
            root.description == "{optimizer: {name: \"sgd\", lr: 0.05, momentum: 0.9}, "
                + "train: {epochs: 200, batch: 128}, tags: [\"c\"], seed: 1}")
        #expect("\(root["optimizer"]!["lr"]!.mark)" == "\(dir)/specs/cifar/x.yaml:3:7")
        #expect("\(root["optimizer"]!["name"]!.mark)" == "\(dir)/base.yaml:2:9")
        #expect("\(root["train"]!.mark)" == "\(dir)/base.yaml:5:8")
        #expect("\(root["optimizer"]!.mark)" == "\(dir)/specs/cifar/x.yaml:3:3")
    }

    @Test func chainsAndListsOfBasesMergeInOrder() throws {
        let dir = temporaryDirectory()
        write("a: 1\nb: 1\nc: 1\nd: 1\n", to: "\(dir)/root.yaml")
        write("extends: root.yaml\nb: 2\nc: 2\n", to: "\(dir)/mid.yaml")
        write("c: 3\nd: 3\n", to: "\(dir)/other.yaml")
        write("extends: [mid.yaml, other.yaml]\nd: 4\n", to: "\(dir)/top.yaml")
        let diagnostics = DiagnosticEngine()
        let root = try #require(SpecLoader(diagnostics: diagnostics).load("\(dir)/top.yaml"))
        #expect(diagnostics.diagnostics.isEmpty)
        #expect(root.description == "{a: 1, b: 2, c: 3, d: 4}")
    }

    @Test func cycleIsAnErrorListingTheChain() throws {
        let dir = temporaryDirectory()
        write("extends: b.yaml\nx: 1\n", to: "\(dir)/a.yaml")
        write("y: 2\nextends: ./a.yaml\n", to: "\(dir)/b.yaml")
        let diagnostics = DiagnosticEngine()
        let root = try #require(SpecLoader(diagnostics: diagnostics).load("\(dir)/a.yaml"))
        #expect(
            messages(diagnostics) == [
                "\(dir)/b.yaml:2:10: error: extends cycle: \(dir)/a.yaml -> \(dir)/b.yaml -> \(dir)/a.yaml"
            ])
        #expect(root.description == "{y: 2, x: 1}")
    }

    @Test func selfReferenceIsACycle() {
        let dir = temporaryDirectory()
        write("extends: s.yaml\n", to: "\(dir)/s.yaml")
        let diagnostics = DiagnosticEngine()
        _ = SpecLoader(diagnostics: diagnostics).load("\(dir)/s.yaml")
        #expect(messages(diagnostics) == ["\(dir)/s.yaml:1:10: error: extends cycle: \(dir)/s.yaml -> \(dir)/s.yaml"])
    }

    @Test func missingBaseIsAnErrorAtTheExtendsValue() {
        let dir = temporaryDirectory()
        write("optimizer: {lr: 1}\nextends:\n  - ../shared/nothere.yaml\n", to: "\(dir)/specs/x.yaml")
        let diagnostics = DiagnosticEngine()
        let root = SpecLoader(diagnostics: diagnostics).load("\(dir)/specs/x.yaml")
        #expect(root?.description == "{optimizer: {lr: 1}}")
        #expect(
            messages(diagnostics) == [
                "\(dir)/specs/x.yaml:3:5: error: cannot extend '../shared/nothere.yaml': no such file (\(dir)/shared/nothere.yaml)"
            ])
    }

    @Test func errorsInsideABaseAreReportedInTheBase() {
        let dir = temporaryDirectory()
        write("a: 1\na: 2\n", to: "\(dir)/base.yaml")
        write("extends: base.yaml\nextends: base.yaml\n", to: "\(dir)/x.yaml")
        let diagnostics = DiagnosticEngine()
        _ = SpecLoader(diagnostics: diagnostics).load("\(dir)/x.yaml")
        #expect(
            diagnostics.sorted.map(\.description) == [
                "\(dir)/base.yaml:2:1: error: duplicate key 'a'",
                "\(dir)/x.yaml:2:1: error: duplicate key 'extends'",
            ])
    }

    @Test func extendsMustBeAPath() {
        let dir = temporaryDirectory()
        write("extends: {a: 1}\n", to: "\(dir)/x.yaml")
        write("extends: [1]\n", to: "\(dir)/y.yaml")
        let diagnostics = DiagnosticEngine()
        _ = SpecLoader(diagnostics: diagnostics).load("\(dir)/x.yaml")
        _ = SpecLoader(diagnostics: diagnostics).load("\(dir)/y.yaml")
        #expect(
            messages(diagnostics) == [
                "\(dir)/x.yaml:1:10: error: 'extends' takes a file path or a list of file paths, found a mapping",
                "\(dir)/y.yaml:1:11: error: expected a file path, found an integer 1",
            ])
    }

    @Test func missingTopLevelFile() {
        let diagnostics = DiagnosticEngine()
        #expect(SpecLoader(diagnostics: diagnostics).load("specs/./none/../missing.yaml") == nil)
        #expect(messages(diagnostics) == ["specs/missing.yaml: error: no such file"])
    }
}
