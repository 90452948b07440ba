import ArgumentParser
import CanopyRuntime

/// The `canopy` command and its subcommands, as parsed by swift-argument-parser. Run it
/// through `Canopy.main(plugins:)`, which supplies the plugins every subcommand compiles with.
struct CanopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canopy",
        abstract: "Online knowledge distillation experiments from YAML specs, on the CPU.",
        version: CanopyVersion.string,
        subcommands: [
            RunCommand.self, EvalCommand.self, ExportCommand.self, CheckCommand.self, PlanCommand.self,
            PluginsCommand.self, BenchCommand.self,
        ])
}
