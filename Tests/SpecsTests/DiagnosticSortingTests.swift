import CanopySpecs
import Testing

@Suite struct DiagnosticSortingTests {
    @Test func sortedByFileLineAndColumnWithNotesAttached() {
        let diagnostics = DiagnosticEngine()
        diagnostics.addSource("b.yaml", SourceText("x: 1\ny: 2\n"))
        diagnostics.addSource("a.yaml", SourceText("p: 1\nq: 2\nr: 3\n"))
        diagnostics.error("second in b", at: SourceMark(file: "b.yaml", line: 2, column: 4))
        diagnostics.error(
            "third in a", at: SourceMark(file: "a.yaml", line: 3, column: 1),
            notes: [.note("related, in b", at: SourceMark(file: "b.yaml", line: 1, column: 1))])
        diagnostics.warning("first in a", at: SourceMark(file: "a.yaml", line: 1, column: 4))
        diagnostics.error("first in b", at: SourceMark(file: "b.yaml", line: 1, column: 4))
        diagnostics.error("second in a, column 4", at: SourceMark(file: "a.yaml", line: 2, column: 4))
        diagnostics.error("second in a, column 1", at: SourceMark(file: "a.yaml", line: 2, column: 1))
        #expect(
            diagnostics.sorted.map(\.description) == [
                "a.yaml:1:4: warning: first in a",
                "a.yaml:2:1: error: second in a, column 1",
                "a.yaml:2:4: error: second in a, column 4",
                "a.yaml:3:1: error: third in a",
                "b.yaml:1:4: error: first in b",
                "b.yaml:2:4: error: second in b",
            ])
        #expect(
            diagnostics.render().contains(
                """
                a.yaml:3:1: error: third in a
                    3 | r: 3
                      | ^
                b.yaml:1:1: note: related, in b
                    1 | x: 1
                      | ^
                b.yaml:1:4: error: first in b
                """))
        #expect(diagnostics.summary == "5 errors and 1 warning")
    }

    @Test func exactRepeatsAreReportedOnce() {
        let diagnostics = DiagnosticEngine()
        let mark = SourceMark(file: "a.yaml", line: 1, column: 1)
        diagnostics.error("same", at: mark)
        diagnostics.error("same", at: mark)
        diagnostics.error("other", at: mark)
        diagnostics.warning("same", at: mark)
        #expect(
            diagnostics.sorted.map(\.description) == [
                "a.yaml:1:1: error: same", "a.yaml:1:1: error: other",
                "a.yaml:1:1: warning: same",
            ])
        #expect(diagnostics.errorCount == 2)
        #expect(diagnostics.summary == "2 errors and 1 warning")
    }

    @Test func errorsAcrossTwoParsedFiles() {
        let diagnostics = DiagnosticEngine()
        _ = YAMLParser.parse("k: 1\nk: 2\n", file: "z.yaml", diagnostics: diagnostics)
        _ = YAMLParser.parse("a: !bad 1\nb: *nope\n", file: "m.yaml", diagnostics: diagnostics)
        #expect(diagnostics.sorted.map { "\($0.mark)" } == ["m.yaml:1:4", "m.yaml:2:4", "z.yaml:2:1"])
    }
}
