import ArgumentParser
import CanopyRuntime
import CanopySpecs
import CanopyTraining
import Foundation

/// `canopy run SPEC`: train and evaluate, writing a run directory.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Train and evaluate an experiment; writes spec.resolved.yaml, plan.txt, env.json, metrics.jsonl, "
            + "timing.jsonl, final.json and checkpoint.safetensors to the run directory.")

    @OptionGroup var options: SpecOptions
    @Option(help: "Run directory (default: <output.dir>/<spec name>).") var out: String?
    @Flag(help: "Continue from the run directory's checkpoint.") var resume = false
    @Option(help: "Worker threads (default: the spec's train.threads).") var threads: Int?
    @Flag(help: "No progress output.") var quiet = false

    func run() throws {
        let experiment = try options.compile(threads: threads)
        let spec = experiment.spec
        let directory = out ?? spec.output.directory + "/" + spec.name
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let plans = ExperimentPlans(experiment)
            try FileIO.writeAtomically([Array(YAMLEmitter.emit(spec.root).utf8)], to: directory + "/spec.resolved.yaml")
            try FileIO.writeAtomically([Array(PlanReport(plans).render().utf8)], to: directory + "/plan.txt")
            try FileIO.writeAtomically([Array((JSON.serialize(RunEnvironment.describe(threads: Parallel.threads)) + "\n").utf8)],
                                       to: directory + "/env.json")
            let data = try ExperimentData(spec)
            var trainerOptions = Trainer.Options(directory: directory)
            trainerOptions.resume = resume
            trainerOptions.progress.quiet = quiet
            InterruptFlag.install()
            let trainer = Trainer(plans: plans, data: data, options: trainerOptions)
            try trainer.run()
            if !quiet { FileHandle.standardError.write(Data("run written to \(directory)\n".utf8)) }
        } catch is TrainingInterrupted {
            throw ExitCode(130)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
