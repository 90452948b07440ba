import ArgumentParser
import CanopyRuntime
import CanopySpecs
import Foundation

/// Options shared by every command that reads a spec.
struct SpecOptions: ParsableArguments {
    @Argument(help: "The experiment spec (YAML).") var spec: String
    @Option(
        name: .customLong("set"),
        help: ArgumentHelp(
            "Override a spec value: --set optimizer.lr=0.05 (repeatable).",
            valueName: "path=value"))
    var overrides: [String] = []

    /// Compiles the spec with the plugins `Canopy.main` was given (`SpecFrontEnd.compile`);
    /// prints all diagnostics and exits 1 on errors. `threads` (a `--threads` option, so
    /// out of `train.threads`' range is a usage error) replaces the spec's `train.threads`.
    func compile(threads: Int? = nil) throws -> CompiledExperiment {
        if let threads, !TrainSpec.threadsRange.contains(threads) {
            throw ValidationError("--threads must be \(TrainSpec.threadsRange.bounds.requirement), found \(threads)")
        }
        let diagnostics = DiagnosticEngine()
        let compiled = SpecFrontEnd.compile(
            spec, overrides: overrides, threads: threads, plugins: try Canopy.pluginSet(),
            diagnostics: diagnostics)
        diagnostics.emit()
        guard let compiled, !diagnostics.hasErrors else { throw ExitCode(1) }
        return compiled
    }
}
