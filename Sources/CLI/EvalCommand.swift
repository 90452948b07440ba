import ArgumentParser
import CanopyRuntime
import CanopySpecs
import CanopyTraining
import Foundation

/// `canopy eval SPEC CHECKPOINT`: evaluate a checkpoint on the spec's test set.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint on the spec's test (and validation) data; prints one JSON object of metrics.")

    @OptionGroup var options: SpecOptions
    @Argument(help: "A checkpoint written by canopy run.") var checkpoint: String
    @Flag(help: "Accept a checkpoint that also holds tensors this spec's model does not have (they are ignored).")
    var allowExtra = false

    func run() throws {
        let experiment = try options.compile()
        do {
            let plans = ExperimentPlans(experiment)
            if let warning = try Checkpoint.readModel(
                checkpoint, into: plans.memory, specHash: experiment.specHash,
                allowExtra: allowExtra)
            {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
            let data = try ExperimentData(experiment.spec)
            let evaluator = Evaluator(plans)
            var results = evaluator.evaluate(data.test, prefix: "test")
            if let v = data.validation { results += evaluator.evaluate(v, prefix: "val") }
            print(JSON.serialize(.object(results.map { ($0.0, .double($0.1)) })))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
