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
    /// errors. `threads` (the spec's `train.threads` when nil) is configured before the
    /// kernels are built, since they size per-thread scratch from it.
    func compile(threads: Int? = nil) throws -> CompiledExperiment {
        let diagnostics = DiagnosticEngine()
        let plugins = try Canopy.pluginSet()
        var compiled: CompiledExperiment?
        if let loaded = SpecFrontEnd.load(spec, overrides: overrides, diagnostics: diagnostics),
           case let root = MethodExpansion.apply(loaded, plugins: plugins, diagnostics: diagnostics),
           let decoded = SpecDecoder.decode(root, name: SpecFrontEnd.name(of: spec), diagnostics: diagnostics) {
            Parallel.configure(threads: threads ?? decoded.train.threads)
            compiled = ExperimentCompiler(plugins: plugins, diagnostics: diagnostics).compile(decoded)
        }
        diagnostics.emit()
        guard let compiled, !diagnostics.hasErrors else { throw ExitCode(1) }
        return compiled
    }
}
