import CanopySpecs
import Testing

@Suite struct DuplicateKeyTests {
    @Test func secondOccurrenceIsAnErrorWithNoteAtTheFirst() throws {
        let (node, diagnostics) = parse(
            """
            train:
              epochs: 10
              batch: 64
              epochs: 20

            """)
        let root = try #require(node)
        #expect(root["train"]!["epochs"]!.int == 10)
        #expect(diagnostics.diagnostics.count == 1)
        let d = try #require(diagnostics.diagnostics.first)
        #expect(d.description == "t.yaml:4:3: error: duplicate key 'epochs'")
        #expect(d.notes.map(\.description) == ["t.yaml:2:3: note: 'epochs' first appears here"])
    }

    @Test func duplicatesInFlowMappingsAndQuotedKeys() {
        let (_, diagnostics) = parse("{a: 1, \"a\": 2}\n")
        #expect(messages(diagnostics) == ["t.yaml:1:8: error: duplicate key 'a'"])
    }

    @Test func nonScalarKeyIsAnError() {
        let (_, diagnostics) = parse("? [a, b]\n: 1\nc: 2\n")
        #expect(messages(diagnostics) == ["t.yaml:1:3: error: a mapping key must be a scalar, found a list"])
    }
}
