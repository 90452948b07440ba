import CanopyRuntime

/// The whole front end in one call: load the YAML (with `extends`), apply `--set`
/// overrides, decode the schema, compile against the plugins. Problems accumulate in
/// `diagnostics`; the result is nil when any error was found.
public enum SpecFrontEnd {
    /// The resolved document (after extends and overrides), or nil if it does not parse.
    public static func load(_ path: String, overrides: [String], diagnostics: DiagnosticEngine) -> Node? {
        guard let root = SpecLoader(diagnostics: diagnostics).load(path) else { return nil }
        let parsed = Override.parse(overrides, diagnostics: diagnostics)
        return Override.apply(parsed, to: root, diagnostics: diagnostics)
    }

    /// A spec's default name: its file name without the extension.
    public static func name(of path: String) -> String {
        let file = path.split(separator: "/").last.map(String.init) ?? path
        for ext in [".yaml", ".yml"] where file.hasSuffix(ext) { return String(file.dropLast(ext.count)) }
        return file
    }

    /// The compiled experiment of the spec at `path`. `threads`, when given, replaces the
    /// spec's `train.threads` (a command-line `--threads`); the effective count is written
    /// into the resolved spec's `train.threads`, so spec.resolved.yaml and the spec hash
    /// record it (results depend on it), and every kernel is built for it.
    public static func compile(
        _ path: String, overrides: [String] = [], threads: Int? = nil, plugins: PluginSet,
        diagnostics: DiagnosticEngine
    ) -> CompiledExperiment? {
        let errorsBefore = diagnostics.errorReports
        guard let loaded = load(path, overrides: overrides, diagnostics: diagnostics) else { return nil }
        let root = MethodExpansion.apply(loaded, plugins: plugins, diagnostics: diagnostics)
        guard var spec = SpecDecoder.decode(root, name: name(of: path), diagnostics: diagnostics) else { return nil }
        spec.train.threads = threads ?? spec.train.threads
        spec.root = recording(threads: spec.train.threads, in: spec.root)
        let compiled = ExperimentCompiler(plugins: plugins, diagnostics: diagnostics).compile(spec)
        // Errors of loading and decoding (a bad schema, a bad value that fell back to its default) count too.
        return diagnostics.errorReports == errorsBefore ? compiled : nil
    }

    /// `root` with `train.threads` set to `threads` (added when the spec left it to the default).
    static func recording(threads: Int, in root: Node) -> Node {
        let scratch = DiagnosticEngine()
        guard let set = Override.parse("train.threads=\(threads)", line: 1, diagnostics: scratch) else { return root }
        return set.apply(to: root, diagnostics: scratch)
    }
}
