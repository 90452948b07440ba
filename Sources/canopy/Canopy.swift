import ArgumentParser
import CanopyRuntime

/// The `canopy` command-line tool.
@main
struct Canopy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canopy",
        abstract: "Online knowledge distillation experiments from YAML specs, on the CPU.",
        version: CanopyVersion.string,
        subcommands: [RunCommand.self, EvalCommand.self, ExportCommand.self, CheckCommand.self, PlanCommand.self,
                      PluginsCommand.self, BenchCommand.self])
}
