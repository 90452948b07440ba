import CanopySpecs

#if canImport(Glibc)
    import Glibc
#endif

/// Parses `text` as a spec file named `file` with a fresh diagnostic engine.
func parse(_ text: String, file: String = "t.yaml") -> (node: Node?, diagnostics: DiagnosticEngine) {
    let diagnostics = DiagnosticEngine()
    return (YAMLParser.parse(text, file: file, diagnostics: diagnostics), diagnostics)
}

/// The first line of each diagnostic, in report order.
func messages(_ diagnostics: DiagnosticEngine) -> [String] { diagnostics.diagnostics.map(\.description) }

/// A new empty directory under /tmp, for spec files that refer to each other.
func temporaryDirectory() -> String {
    var template = Array("/tmp/canopy-specs-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    return String(cString: path!)
}

/// Writes `text` to `path`, creating the directories on the way.
func write(_ text: String, to path: String) {
    var directory = ""
    for part in path.split(separator: "/").dropLast() {
        directory += "/" + part
        mkdir(directory, 0o755)
    }
    let file = fopen(path, "w")!
    fputs(text, file)
    fclose(file)
}
