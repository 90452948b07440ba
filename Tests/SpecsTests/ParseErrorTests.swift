import CanopySpecs
import Testing

@Suite struct ParseErrorMessageTests {
    @Test func tabIndentationIsExplained() {
        let (_, diagnostics) = parse("a:\n\tb: 1\n")
        #expect(
            diagnostics.render() == """
                t.yaml:2:1: error: found a tab character; YAML indents with spaces only
                    2 |         b: 1
                      | ^

                """)
    }

    @Test func reservedCharacterIsNamed() {
        let (_, diagnostics) = parse("key: @x\n")
        #expect(messages(diagnostics) == ["t.yaml:1:6: error: found character '@' that cannot start any token"])
    }

    @Test func badIndentationNotesTheEnclosingMapping() {
        let (_, diagnostics) = parse("a:\n  b: 1\n c: 2\n")
        #expect(
            diagnostics.diagnostics.map { [$0.description] + $0.notes.map(\.description) } == [
                ["t.yaml:3:2: error: did not find expected key", "t.yaml:1:1: note: while parsing a block mapping"]
            ])
    }

    @Test func controlCharacterIsAReaderError() {
        let (node, diagnostics) = parse("a: 1\nb: x\u{7}y\n")
        #expect(node == nil)
        #expect(messages(diagnostics) == ["t.yaml:2:5: error: control characters are not allowed (#x7)"])
    }

    @Test func secondDocumentIsAnError() {
        let (node, diagnostics) = parse("a: 1\n---\nb: 2\n")
        #expect(node == nil)
        #expect(messages(diagnostics) == ["t.yaml:2:1: error: a spec file holds one YAML document; a second one starts here"])
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let (node, diagnostics) = parse(String(repeating: "[", count: 100_000))
        #expect(node == nil)
        #expect(messages(diagnostics) == ["t.yaml:1:257: error: the document nests deeper than 256 levels"])
        let ok = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(parse(ok).diagnostics.diagnostics.isEmpty)
    }
}
