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
    @Flag(help: "Delete the run directory's earlier run (checkpoint, metrics, final.json, ...) and start over.")
    var overwrite = false
    @Option(help: "Worker threads, recorded as train.threads (default: the spec's train.threads).") var threads: Int?
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        if resume && overwrite {
            throw ValidationError("--resume continues the run in the directory and --overwrite deletes it: give one of them")
        }
    }

    func run() throws {
        let experiment = try options.compile(threads: threads)
        let spec = experiment.spec
        let path = out ?? spec.output.directory + "/" + spec.name
        do {
            // The data loads first: a data set that cannot be read leaves no run directory.
            let data = try ExperimentData(spec)
            // Held until the run ends: a second run into the directory fails at once.
            let directory = try RunDirectory(path)
            defer { directory.unlock() }
            for file in directory.removeStaleTemporaryFiles() where !quiet {
                FileHandle.standardError.write(Data("removed \(file), left by a write that was killed\n".utf8))
            }
            let resolved = YAMLEmitter.emit(spec.root)
            if resume {
                try directory.checkResume(threads: spec.train.threads, resolvedSpec: resolved)
            } else {
                try directory.prepareFreshRun(overwrite: overwrite)
            }
            let plans = ExperimentPlans(experiment)
            try FileIO.writeAtomically([Array(resolved.utf8)], to: path + "/spec.resolved.yaml")
            try FileIO.writeAtomically([Array(PlanReport(plans).render().utf8)], to: path + "/plan.txt")
            try FileIO.writeAtomically(
                [Array((JSON.serialize(RunEnvironment.describe(threads: spec.train.threads)) + "\n").utf8)],
                to: path + "/env.json")
            var trainerOptions = Trainer.Options(directory: path)
            trainerOptions.resume = resume
            trainerOptions.progress.quiet = quiet
            InterruptFlag.install()
            let trainer = Trainer(plans: plans, data: data, options: trainerOptions)
            try trainer.run()
            if !quiet { FileHandle.standardError.write(Data("run written to \(path)\n".utf8)) }
        } catch is TrainingInterrupted {
            throw ExitCode(130)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
