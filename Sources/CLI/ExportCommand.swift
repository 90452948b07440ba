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
    @Flag(help: "Accept a checkpoint that also holds tensors this spec's model does not have (they are ignored).")
    var allowExtra = false
    @Option(name: .shortAndLong, help: "The safetensors file to write (not the checkpoint itself).") var output: String

    func run() throws {
        let experiment = try options.compile()
        do {
            guard !FileIO.isSameFile(output, checkpoint) else {
                throw CheckpointError(
                    "\(output) is the input checkpoint \(checkpoint); exporting onto it would destroy the run's "
                        + "checkpoint: write the deployed model to another file")
            }
            let plans = ExperimentPlans(experiment)
            if let warning = try Checkpoint.readModel(
                checkpoint, into: plans.memory, specHash: experiment.specHash,
                allowExtra: allowExtra)
            {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
            try DeployedModel(plans).write(to: output)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
