import ArgumentParser
import CanopyRuntime
import CanopySpecs
import Foundation

/// Options shared by every command that reads a spec.
struct SpecOptions: ParsableArguments {
    @Argument(help: "The experiment spec (YAML).") var spec: String
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a spec value: --set optimizer.lr=0.05 (repeatable).",
                                                         valueName: "path=value"))
    var overrides: [String] = []

    /// Compiles the spec with the plugins `Canopy.main` was given; prints all diagnostics and exits 1 on
    /// errors. `threads` (the spec's `train.threads` when nil; a `--threads` option, so out of
    /// `train.threads`' range is a usage error) is configured before the kernels are built,
    /// since they size per-thread scratch from it. The effective thread count is written
    /// into the resolved spec's `train.threads`, so spec.resolved.yaml and the spec hash
    /// record it: results depend on it.
    func compile(threads: Int? = nil) throws -> CompiledExperiment {
        if let threads, !TrainSpec.threadsRange.contains(threads) {
            throw ValidationError("--threads must be \(TrainSpec.threadsRange.bounds.requirement), found \(threads)")
        }
        let diagnostics = DiagnosticEngine()
        let plugins = try Canopy.pluginSet()
        var compiled: CompiledExperiment?
        if let loaded = SpecFrontEnd.load(spec, overrides: overrides, diagnostics: diagnostics),
           case let root = MethodExpansion.apply(loaded, plugins: plugins, diagnostics: diagnostics),
           var decoded = SpecDecoder.decode(root, name: SpecFrontEnd.name(of: spec), diagnostics: diagnostics) {
            decoded.train.threads = threads ?? decoded.train.threads
            decoded.root = Self.recording(threads: decoded.train.threads, in: decoded.root)
            Parallel.configure(threads: decoded.train.threads)
            compiled = ExperimentCompiler(plugins: plugins, diagnostics: diagnostics).compile(decoded)
        }
        diagnostics.emit()
        guard let compiled, !diagnostics.hasErrors else { throw ExitCode(1) }
        return compiled
    }

    /// `root` with `train.threads` set to `threads` (added when the spec left it to the default).
    static func recording(threads: Int, in root: Node) -> Node {
        let scratch = DiagnosticEngine()
        guard let set = Override.parse("train.threads=\(threads)", line: 1, diagnostics: scratch) else { return root }
        return set.apply(to: root, diagnostics: scratch)
    }
}
