import CanopySpecs
import Testing

@Suite struct DiagnosticRenderingTests {
    @Test func errorWithCaretAndTildes() {
        let diagnostics = DiagnosticEngine()
        diagnostics.addSource("specs/x.yaml", SourceText("optimizer:\n  lerning_rate: 0.1\n"))
        diagnostics.error(
            "unknown key 'lerning_rate' (did you mean 'learning_rate'?)",
            at: SourceMark(file: "specs/x.yaml", line: 2, column: 3, length: 12),
            notes: [.note("the optimizer starts here", at: SourceMark(file: "specs/x.yaml", line: 1, column: 1))])
        #expect(
            diagnostics.render() == """
                specs/x.yaml:2:3: error: unknown key 'lerning_rate' (did you mean 'learning_rate'?)
                    2 |   lerning_rate: 0.1
                      |   ^~~~~~~~~~~~
                specs/x.yaml:1:1: note: the optimizer starts here
                    1 | optimizer:
                      | ^

                """)
    }

    @Test func tabsAndMultiByteCharactersKeepTheCaretAligned() {
        let diagnostics = DiagnosticEngine()
        // 'é' is two bytes, '日' two terminal columns, and the tab expands to column 16.
        diagnostics.addSource("t.yaml", SourceText("name: \"é日\tab\" xyz\n"))
        diagnostics.error("bad token", at: SourceMark(file: "t.yaml", line: 1, column: 15, length: 3))
        diagnostics.warning("inside", at: SourceMark(file: "t.yaml", line: 1, column: 9, length: 2))
        #expect(
            diagnostics.render() == """
                t.yaml:1:9: warning: inside
                    1 | name: "é日      ab" xyz
                      |         ^~~~~~~~
                t.yaml:1:15: error: bad token
                    1 | name: "é日      ab" xyz
                      |                     ^~~

                """)
    }

    /// A 1 MB line is not echoed whole: 160 characters around the mark are, with "..."
    /// where the line goes on.
    @Test func aLongLineIsCutAroundTheMark() {
        let diagnostics = DiagnosticEngine()
        let line = String(repeating: "a", count: 500_000) + "BAD" + String(repeating: "b", count: 500_000)
        diagnostics.addSource("t.yaml", SourceText("x: " + line + "\n"))
        diagnostics.error("bad token", at: SourceMark(file: "t.yaml", line: 1, column: 500_004, length: 3))
        let rendered = diagnostics.render()
        let lines = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rendered.count < 400)
        #expect(lines[1] == "    1 | ..." + String(repeating: "a", count: 40) + "BAD" + String(repeating: "b", count: 117) + "...")
        #expect(lines[2] == "      | " + String(repeating: " ", count: 43) + "^~~")
    }

    @Test func aLongLineMarkedNearItsStartOrEndIsCutOnOneSide() {
        let diagnostics = DiagnosticEngine()
        let line = String(repeating: "c", count: 300)
        diagnostics.addSource("t.yaml", SourceText(line + "\n"))
        diagnostics.error("start", at: SourceMark(file: "t.yaml", line: 1, column: 2, length: 1))
        diagnostics.error("end", at: SourceMark(file: "t.yaml", line: 1, column: 300, length: 1))
        let lines = diagnostics.render().split(separator: "\n").map(String.init)
        #expect(lines[1] == "    1 | " + String(repeating: "c", count: 160) + "...")
        #expect(lines[2] == "      |  ^")
        #expect(lines[4] == "    1 | ..." + String(repeating: "c", count: 160))
        #expect(lines[5] == "      | " + String(repeating: " ", count: 3 + 159) + "^")
    }

    @Test func parseErrorFromLibyamlIsQuotedAtItsPosition() {
        let (node, diagnostics) = parse("a:\n  b: [1, 2\nc: 3\n")
        #expect(node == nil)
        #expect(
            diagnostics.render() == """
                t.yaml:3:2: error: did not find expected ',' or ']'
                    3 | c: 3
                      |  ^
                t.yaml:2:6: note: while parsing a flow sequence
                    2 |   b: [1, 2
                      |      ^

                """)
    }

    @Test func markPastTheEndOfTheLineAndLineZero() {
        let diagnostics = DiagnosticEngine()
        diagnostics.addSource("t.yaml", SourceText("ab"))
        diagnostics.error("at end", at: SourceMark(file: "t.yaml", line: 1, column: 4))
        diagnostics.error("whole file", at: .file("t.yaml"))
        diagnostics.error("no such line", at: SourceMark(file: "t.yaml", line: 9, column: 1))
        #expect(
            diagnostics.render() == """
                t.yaml: error: whole file
                t.yaml:1:4: error: at end
                    1 | ab
                      |    ^
                t.yaml:9:1: error: no such line

                """)
    }

    @Test func colourOnlyWhenAsked() {
        let diagnostics = DiagnosticEngine()
        diagnostics.addSource("t.yaml", SourceText("a: 1"))
        diagnostics.error("bad", at: SourceMark(file: "t.yaml", line: 1, column: 4))
        #expect(!diagnostics.render().contains("\u{1B}"))
        #expect(diagnostics.render(color: true).contains("\u{1B}[1;31merror: \u{1B}[0m"))
        #expect(diagnostics.summary == "1 error")
    }

    @Test func controlAndFormatCharactersAreShownAsReplacement() {
        let diagnostics = DiagnosticEngine()
        diagnostics.addSource("t.yaml", SourceText("a\u{1B}[31m\u{202E}b"))
        diagnostics.error("x", at: SourceMark(file: "t.yaml", line: 1, column: 7))
        #expect(
            diagnostics.render() == """
                t.yaml:1:7: error: x
                    1 | a\u{FFFD}[31m\u{FFFD}b
                      |       ^

                """)
    }
}
