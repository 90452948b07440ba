import ArgumentParser
import CanopyRuntime
import CanopySpecs
import Foundation

/// `canopy bench train SPEC`: training (or evaluation) throughput of a spec's plans on
/// random data, the same work as the PyTorch script `scripts/bench.sh` runs beside it (docs/performance.md).
struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Images/s of a spec's training step (forward, loss, backward, optimizer update) or eval pass, on random data.")

    @OptionGroup var options: SpecOptions
    @Option(help: "Timed steps (after 3 warm-up steps).") var steps = 10
    @Option(help: "Worker threads (default: the spec's train.threads).") var threads: Int?
    @Option(help: "train or eval.") var mode = "train"
    @Flag(help: "Print the time spent per kernel and direction.") var profile = false

    func run() throws {
        let experiment = try options.compile(threads: threads)
        let plans = ExperimentPlans(experiment)
        plans.memory.initialize(seed: 0)
        let plan = mode == "eval" ? plans.eval : plans.train
        var rng = SeededRandom(seed: 1)
        let x = plan.output(experiment.input)!
        for i in 0..<x.count { x.f[i] = Float(rng.normal()) }
        if let target = plan.output(experiment.target) {
            let classes = experiment.graph[experiment.heads[0].value].spec.shape[-1]
            for i in 0..<target.count { target.i[i] = Int32(rng.below(classes)) }
        }
        let optimizer = experiment.optimizer
        let optimizerMemory = OptimizerMemory(stateNames: optimizer.stateNames, count: plans.memory.trainableCount)
        let flat = FlatParameters(
            values: plans.memory.parameters.base.assumingMemoryBound(to: Float.self),
            grads: UnsafePointer(plans.memory.gradients.base.assumingMemoryBound(to: Float.self)),
            count: plans.memory.trainableCount, threads: experiment.spec.train.threads)
        func step() {
            plan.run()
            if mode != "eval" { optimizer.step(flat, state: &optimizerMemory.state, lr: optimizer.learningRate) }
        }
        for _ in 0..<3 { step() }
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<steps { step() }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        if profile {
            var table: [String: UInt64] = [:]
            for _ in 0..<steps { plan.run(profile: &table) }
            let total = Double(table.values.reduce(0, +))
            for (key, ns) in table.sorted(by: { $0.value > $1.value }) {
                print(String(format: "%-28@ %8.1f ms/step %5.1f%%", key, Double(ns) / 1e6 / Double(steps), Double(ns) / total * 100))
            }
        }
        let batch = x.shape[0]
        let report = PlanReport(plans)
        print(
            JSON.serialize(
                .object([
                    ("anchor", .string("canopy")), ("spec", .string(experiment.spec.name)), ("mode", .string(mode)),
                    ("batch", .int(batch)), ("threads", .int(experiment.spec.train.threads)),
                    ("images_per_s", .double((Double(batch * steps) / seconds * 10).rounded() / 10)),
                    ("params", .int(report.parameters)),
                    ("arena_mb", .double(Double(plan.transientBytes + report.persistentBytes) / 1_048_576)),
                    ("peak_rss_mb", .double(Double(peakRSSKilobytes()) / 1024)),
                ])))
    }

    func peakRSSKilobytes() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return usage.ru_maxrss
    }
}
