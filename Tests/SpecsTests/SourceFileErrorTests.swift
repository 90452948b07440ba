import CanopySpecs
import Testing

@Suite struct SourceFileErrorTests {
    @Test func missingFile() {
        let diagnostics = DiagnosticEngine()
        #expect(SpecLoader(diagnostics: diagnostics).load("/nonexistent/spec.yaml") == nil)
        #expect(diagnostics.render() == "/nonexistent/spec.yaml: error: no such file\n")
    }

    @Test func directory() {
        let diagnostics = DiagnosticEngine()
        let dir = temporaryDirectory()
        #expect(SpecLoader(diagnostics: diagnostics).load(dir) == nil)
        #expect(messages(diagnostics) == ["\(dir): error: is a directory"])
    }

    @Test func endlessDeviceIsCutOff() {
        let diagnostics = DiagnosticEngine()
        #expect(SpecLoader(diagnostics: diagnostics).load("/dev/zero") == nil)
        #expect(messages(diagnostics) == ["/dev/zero: error: file is larger than 16 MiB"])
    }

    @Test func emptyFileAndCommentOnlyFile() {
        #expect(messages(parse("").diagnostics) == ["t.yaml: error: file is empty"])
        #expect(messages(parse("# nothing here\n").diagnostics) == ["t.yaml: error: file holds no YAML document"])
    }

    @Test func notUTF8() {
        let diagnostics = DiagnosticEngine()
        let bytes = Array("a: 1\nb: caf".utf8) + [0xE9] + Array(" ok\n".utf8)
        #expect(YAMLParser.parse(bytes, file: "t.yaml", diagnostics: diagnostics) == nil)
        #expect(
            diagnostics.render() == """
                t.yaml:2:7: error: file is not valid UTF-8 (byte 0xE9)
                    2 | b: caf\u{FFFD} ok
                      |       ^

                """)
    }

    @Test func utf16IsNotUTF8() {
        let diagnostics = DiagnosticEngine()
        #expect(YAMLParser.parse([0xFF, 0xFE, 0x61, 0x00], file: "t.yaml", diagnostics: diagnostics) == nil)
        #expect(messages(diagnostics) == ["t.yaml:1:1: error: file is not valid UTF-8 (byte 0xFF)"])
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let root = try #require(parse("\u{FEFF}a: 1\n").node)
        #expect("\(root.pair("a")!.key.mark)" == "t.yaml:1:1")
    }
}
