import ArgumentParser
import CanopyRuntime
import CanopySpecs
import CanopyTraining
import Foundation

/// `canopy export SPEC CHECKPOINT -o FILE`: the deployed model's weights alone.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the deployed model's weights (peer branches removed, PyTorch state_dict names) as safetensors.")

    @OptionGroup var options: SpecOptions
    @Argument(help: "A checkpoint written by canopy run.") var checkpoint: String
    @Option(name: .shortAndLong, help: "The safetensors file to write.") var output: String

    func run() throws {
        let experiment = try options.compile()
        do {
            let plans = ExperimentPlans(experiment)
            try Checkpoint.readModel(checkpoint, into: plans.memory)
            try DeployedModel(plans).write(to: output)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
