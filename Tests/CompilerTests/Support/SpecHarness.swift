import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation

/// The built-in plugins, registered once for every test.
let builtIns: PluginSet = {
    do { return try BuiltInPlugins.set() } catch { fatalError("built-in plugins do not register: \(error)") }
}()

/// One spec compiled from text: the result, the diagnostics, and the directory the
/// file was written to (stripped from the reported paths, so expectations read `t.yaml:3:5`).
struct Checked {
    var compiled: CompiledExperiment?
    var diagnostics: DiagnosticEngine
    var directory: String

    /// Each diagnostic's first line, sorted as reported, with the directory removed.
    var messages: [String] { diagnostics.sorted.map { strip($0.description) } }
    /// The full report (source lines, carets, notes), with the directory removed.
    var rendered: String { strip(diagnostics.render()) }

    func strip(_ text: String) -> String { text.replacingOccurrences(of: directory + "/", with: "") }
}

/// Writes `yaml` as `t.yaml` (and each of `files` beside it) in a fresh directory and
/// compiles it with the built-in plugins.
func check(_ yaml: String, overrides: [String] = [], files: [String: String] = [:]) -> Checked {
    let directory = temporaryDirectory()
    for (name, text) in files { write(text, to: "\(directory)/\(name)") }
    write(yaml, to: "\(directory)/t.yaml")
    let diagnostics = DiagnosticEngine()
    let compiled = SpecFrontEnd.compile("\(directory)/t.yaml", overrides: overrides, plugins: builtIns, diagnostics: diagnostics)
    return Checked(compiled: compiled, diagnostics: diagnostics, directory: directory)
}

/// A new empty directory under the system's temporary directory.
func temporaryDirectory() -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("canopy-compiler-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes `text` to `path`, creating the directories on the way.
func write(_ text: String, to path: String) {
    let url = URL(fileURLWithPath: path)
    try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try? Data(text.utf8).write(to: url)
}

/// The repository's `specs/` folder.
let specsFolder = GoldenFiles.packageRoot.appendingPathComponent("specs")

/// Every `*.yaml` under `specs/`, recursively, sorted, as paths relative to `specs/`.
func allSpecFiles() -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: specsFolder.path) else { return [] }
    return walker.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
}
