import ArgumentParser
import CanopyRuntime
import CanopySpecs

/// `canopy plan SPEC`: the compiled plan, its costs, or one compiler pass's output,
/// from the plans' layouts (nothing is allocated).
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Print the execution plan: one row per op, parameters, MACs, arena bytes for training and the deployed model.")

    @OptionGroup var options: SpecOptions
    @Option(help: "Print one pass's output instead: parse, method, graph, autodiff, memory, schedule.") var dump: PlanDump?

    func run() throws {
        if dump == .parse || dump == .method {
            let diagnostics = DiagnosticEngine()
            var root = SpecFrontEnd.load(options.spec, overrides: options.overrides, diagnostics: diagnostics)
            if dump == .method, let loaded = root {
                root = MethodExpansion.apply(loaded, plugins: try Canopy.pluginSet(), diagnostics: diagnostics)
            }
            diagnostics.emit()
            guard let root, !diagnostics.hasErrors else { throw ExitCode(1) }
            print(dump == .method ? YAMLEmitter.emit(root) : root.description, terminator: dump == .method ? "" : "\n")
            return
        }
        let experiment = try options.compile()
        let layout = ExperimentLayout(experiment)
        switch dump {
        case nil: print(PlanReport(experiment, layout: layout).render(), terminator: "")
        case .parse, .method: break
        case .graph: print(PlanDumps.graph(experiment), terminator: "")
        case .autodiff: print(PlanDumps.schedule(layout.train, graph: experiment.graph, backwardOnly: true), terminator: "")
        case .memory: print(PlanDumps.memory(experiment, layout), terminator: "")
        case .schedule: print(PlanDumps.schedule(layout.train, graph: experiment.graph), terminator: "")
        }
    }
}

/// The passes `canopy plan --dump` can print.
enum PlanDump: String, ExpressibleByArgument, CaseIterable {
    case parse, method, graph, autodiff, memory, schedule
}
