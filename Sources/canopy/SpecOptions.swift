import ArgumentParser
import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import Foundation

/// Options shared by every command that reads a spec.
struct SpecOptions: ParsableArguments {
    @Argument(help: "The experiment spec (YAML).") var spec: String
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a spec value: --set optimizer.lr=0.05 (repeatable).",
                                                         valueName: "path=value"))
    var overrides: [String] = []

    /// Compiles the spec with the built-in plugins; prints all diagnostics and exits 1 on errors.
    func compile() throws -> CompiledExperiment {
        let diagnostics = DiagnosticEngine()
        let plugins = try BuiltInPlugins.set()
        let compiled = SpecFrontEnd.compile(spec, overrides: overrides, plugins: plugins, diagnostics: diagnostics)
        diagnostics.emit()
        guard let compiled, !diagnostics.hasErrors else { throw ExitCode(1) }
        return compiled
    }
}
