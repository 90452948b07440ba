import ArgumentParser
import CanopySpecs

/// `canopy check SPEC`: validate a spec and compile it, printing every problem.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a spec: print every problem as file:line:col (exit 1), or nothing (exit 0).")

    @OptionGroup var options: SpecOptions

    func run() throws {
        let compiled = try options.compile()
        _ = ExperimentPlans(compiled)
    }
}
