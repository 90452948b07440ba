import ArgumentParser
import CanopySpecs

/// `canopy check SPEC`: validate a spec and compile it, printing every problem. Nothing
/// is allocated: the compiler's memory check works on the plans' layouts.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a spec: print every problem as file:line:col (exit 1), or nothing (exit 0).")

    @OptionGroup var options: SpecOptions

    func run() throws {
        _ = try options.compile()
    }
}
