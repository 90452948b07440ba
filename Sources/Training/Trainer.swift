import CanopyRuntime
import CanopySpecs
import Foundation

/// Trains a compiled experiment: the epoch loop of forward/backward steps and optimizer
/// updates, evaluation after each epoch, the run directory (metrics.jsonl, timing.jsonl,
/// final.json, checkpoint.safetensors), resume, Ctrl-C and the NaN guard.
///
/// `metrics.jsonl` holds only what a seed determines (loss means, metrics, learning
/// rate, loss weights), so two runs with one seed and thread count write identical
/// files; wall-clock figures (seconds, images/s) go to `timing.jsonl`.
public final class Trainer {
    public struct Options {
        public var directory: String
        public var resume = false
        public var progress = ProgressReporter()
        /// Stop as an interrupt would (checkpoint, then `TrainingInterrupted`) after this
        /// many optimizer steps of this invocation: time-boxed runs, and resume tests.
        public var stopAfterSteps: Int?
        /// Whether to stop as on Ctrl-C: asked after every step and before every evaluation
        /// batch (an interrupted evaluation is redone on resume). The signal flag by default.
        public var interruptRequested: () -> Bool = { InterruptFlag.isRaised }
        public init(directory: String) { self.directory = directory }
    }

    public let plans: ExperimentPlans
    public let data: ExperimentData
    public let options: Options
    private var experiment: CompiledExperiment { plans.experiment }
    private let optimizerMemory: OptimizerMemory

    public init(plans: ExperimentPlans, data: ExperimentData, options: Options) {
        self.plans = plans
        self.data = data
        self.options = options
        optimizerMemory = OptimizerMemory(
            stateNames: plans.experiment.optimizer.stateNames,
            count: plans.memory.trainableCount)
    }

    var checkpointPath: String { options.directory + "/checkpoint.safetensors" }
    /// Where the checkpoint in the run directory stands, once one was read or written.
    private var savedPosition: Checkpoint.Position?
    /// Optimizer steps per epoch: the data's batches, at most the spec's `steps_per_epoch`.
    private var stepsPerEpoch: Int { min(data.train.stepsPerEpoch, experiment.spec.train.stepsPerEpoch ?? Int.max) }

    /// Runs to the spec's last epoch (or until interrupted); returns the final record.
    @discardableResult
    public func run() throws -> ParamValue {
        let spec = experiment.spec
        let memory = plans.memory
        let train = plans.train
        var start = Checkpoint.Position(epoch: 0, step: 0)
        var sums = LossSums(terms: experiment.losses.map(\.name))
        if options.resume, FileManager.default.fileExists(atPath: checkpointPath) {
            let progress = try Checkpoint.read(
                checkpointPath, into: memory, optimizerStateNames: experiment.optimizer.stateNames,
                optimizerState: &optimizerMemory.state,
                expected: Checkpoint.Expected(
                    epochs: spec.train.epochs, stepsPerEpoch: stepsPerEpoch,
                    seed: spec.seed, lossTerms: sums.terms))
            guard progress.specHash == specHash else {
                throw TrainingError("\(checkpointPath) was written by a different spec (hash \(progress.specHash), this spec \(specHash))")
            }
            start = progress.position
            sums = progress.lossSums ?? sums
            savedPosition = start
            options.progress.line(
                start.epoch >= spec.train.epochs
                    ? "\(options.directory) is complete (epoch \(spec.train.epochs) of \(spec.train.epochs) done): nothing to resume"
                    : "resuming at epoch \(start.epoch + 1), step \(start.step) from \(checkpointPath)")
        } else {
            memory.initialize(seed: spec.seed)
            if let teacher = spec.model.teacher {
                try Checkpoint.readModel(
                    teacher.checkpoint.text, into: memory,
                    rename: { $0.hasPrefix("teacher.") ? String($0.dropFirst(8)) : nil })
            }
        }
        let log = try MetricsLog(path: options.directory + "/metrics.jsonl", keepEpochsBelow: options.resume ? start.epoch : nil)
        let timing = try MetricsLog(path: options.directory + "/timing.jsonl", keepEpochsBelow: options.resume ? start.epoch : nil)
        let x = train.input("input")!, target = train.input("target")!
        let dropPathSeed = train.input(DropPath.seedInput)
        let steps = stepsPerEpoch
        let batch = spec.data.batchSize
        let flat = FlatParameters(
            values: memory.parameters.base.assumingMemoryBound(to: Float.self),
            grads: UnsafePointer(memory.gradients.base.assumingMemoryBound(to: Float.self)),
            count: memory.trainableCount, threads: spec.train.threads)
        let batches = PrefetchingBatchLoader(data.train)
        var last: ParamValue = .object([])
        var best: [String: (value: Double, epoch: Int)] = [:]
        /// Keeps the highest value of each evaluation result; counts (`nonfinite`) have no best.
        func consider(_ name: String, _ value: Double, epoch: Int) {
            guard !name.hasSuffix(".nonfinite"), value > best[name]?.value ?? -1 else { return }
            best[name] = (value, epoch)
        }
        for record in log.kept {
            guard case let .object(pairs) = record, case let .int(epoch)? = record["epoch"] else { continue }
            for (name, value) in pairs where name.hasPrefix("test.") || name.hasPrefix("val.") {
                if case let .double(v) = value { consider(name, v, epoch: epoch) }
            }
            last = record
        }
        var stepsThisRun = 0

        for epoch in start.epoch..<spec.train.epochs {
            for loss in experiment.losses { train.setLossWeight(slot: loss.slot, Float(loss.weight.value(epoch: epoch))) }
            let firstStep = epoch == start.epoch ? start.step : 0
            if firstStep == 0 { sums = LossSums(terms: experiment.losses.map(\.name)) }
            batches.start(epoch: epoch, from: firstStep)
            let epochStart = Date()
            for step in firstStep..<steps {
                guard batches.next(into: x, target: target) != nil else { break }
                if step <= 1 {
                    for loss in experiment.losses where loss.skipFirstStep {
                        train.setLossWeight(slot: loss.slot, Float(loss.weight(epoch: epoch, step: step)))
                    }
                }
                if let seed = dropPathSeed {
                    seed.i[0] = Int32(truncatingIfNeeded: spec.seed)
                    seed.i[1] = Int32(truncatingIfNeeded: optimizerMemory.state.steps)
                }
                train.run()
                for (i, loss) in experiment.losses.enumerated() {
                    let value = train.output(loss.value)!.f[0]
                    guard value.isFinite else {
                        throw TrainingError(
                            "loss term '\(loss.name)' became \(value) at epoch \(epoch + 1), step \(step + 1); "
                                + "training stopped, " + keptCheckpoint)
                    }
                    sums.add(i, loss.skipFirstStep && step == 0 ? 0 : Double(value))
                }
                sums.steps += 1
                experiment.optimizer.step(flat, state: &optimizerMemory.state, lr: learningRate(epoch: epoch, step: step, steps: steps))
                let elapsed = Date().timeIntervalSince(epochStart)
                let done = step + 1 - firstStep
                options.progress.step(
                    epoch: epoch, epochs: spec.train.epochs, step: step, steps: steps,
                    loss: sums.total(weights: experiment.losses.map { $0.weight.value(epoch: epoch) }),
                    imagesPerSecond: Double(done * batch) / max(elapsed, 1e-9),
                    remainingSteps: steps - step - 1 + (spec.train.epochs - epoch - 1) * steps,
                    secondsPerStep: elapsed / Double(done))
                stepsThisRun += 1
                if options.interruptRequested() || stepsThisRun == options.stopAfterSteps {
                    try save(Checkpoint.Position(epoch: epoch, step: step + 1), sums: sums)
                    options.progress.line("interrupted: checkpoint saved at epoch \(epoch + 1), step \(step + 1); continue with --resume")
                    throw TrainingInterrupted()
                }
            }
            let seconds = Date().timeIntervalSince(epochStart)
            // The learning rate of the epoch's last step, also when a resumed run had none left to take.
            var record: [(key: String, value: ParamValue)] = [
                ("epoch", .int(epoch)),
                ("lr", .double(learningRate(epoch: epoch, step: steps - 1, steps: steps))),
            ]
            for (i, loss) in experiment.losses.enumerated() {
                record.append(("loss.\(loss.name)", .double(sums.mean(i))))
                record.append(("weight.\(loss.name)", .double(loss.weight.value(epoch: epoch))))
            }
            let evaluate = (epoch + 1) % spec.eval.every == 0 || epoch + 1 == spec.train.epochs
            if evaluate {
                guard let results = evaluation() else {
                    // Abandoned: the checkpoint stands after the epoch's steps, so resume redoes this evaluation.
                    try save(Checkpoint.Position(epoch: epoch, step: steps), sums: sums)
                    options.progress.line(
                        "interrupted during evaluation: checkpoint saved at epoch \(epoch + 1), step \(steps); "
                            + "continue with --resume")
                    throw TrainingInterrupted()
                }
                for (name, value) in results {
                    record.append((name, .double(value)))
                    consider(name, value, epoch: epoch)
                }
            }
            last = .object(record)
            try log.append(last)
            try timing.append(
                .object([
                    ("epoch", .int(epoch)), ("seconds", .double(seconds)),
                    ("images_per_s", .double(Double((steps - firstStep) * batch) / max(seconds, 1e-9))),
                ]))
            options.progress.line(Self.summary(record))
            try save(Checkpoint.Position(epoch: epoch + 1, step: 0), sums: LossSums(terms: experiment.losses.map(\.name)))
        }
        let final = ParamValue.object([
            ("name", .string(spec.name)), ("epochs", .int(spec.train.epochs)), ("spec_hash", .string(specHash)),
            ("last", last),
            (
                "best",
                .object(
                    best.sorted { $0.key < $1.key }.map {
                        (
                            $0.key,
                            .object([
                                ("value", .double($0.value.value)),
                                ("epoch", .int($0.value.epoch)),
                            ])
                        )
                    })
            ),
        ])
        try FileIO.writeAtomically([Array((JSON.serialize(final) + "\n").utf8)], to: options.directory + "/final.json")
        return final
    }

    /// The hash of the resolved spec that checkpoints and final.json carry.
    public var specHash: String { experiment.specHash }

    private func save(_ position: Checkpoint.Position, sums: LossSums) throws {
        try Checkpoint.write(
            checkpointPath, memory: plans.memory, optimizerStateNames: experiment.optimizer.stateNames,
            optimizerState: optimizerMemory.state,
            progress: Checkpoint.Progress(
                position: position, optimizerSteps: optimizerMemory.state.steps,
                seed: experiment.spec.seed, specHash: specHash, lossSums: sums))
        savedPosition = position
    }

    /// What a stopped run leaves to continue from, for its message.
    private var keptCheckpoint: String {
        guard let position = savedPosition else { return "before its first checkpoint (none is kept)" }
        let at = position.step == 0 ? "after epoch \(position.epoch)" : "at epoch \(position.epoch + 1), step \(position.step)"
        return "the last good checkpoint (\(at)) is kept in \(checkpointPath)"
    }

    /// The learning rate of `step` (of `steps`) in `epoch`: the schedule's, else the optimizer's.
    private func learningRate(epoch: Int, step: Int, steps: Int) -> Double {
        let position = TrainingPosition(epoch: epoch, step: step, stepsPerEpoch: steps, totalEpochs: experiment.spec.train.epochs)
        let base = experiment.optimizer.learningRate
        return experiment.schedule?.learningRate(base: base, at: position) ?? base
    }

    /// The test (and validation) results of the model as it stands, or nil when an interrupt abandoned them.
    private func evaluation() -> [(String, Double)]? {
        let evaluator = Evaluator(plans)
        guard var results = evaluator.evaluate(data.test, prefix: "test", abandonWhen: options.interruptRequested) else { return nil }
        if let v = data.validation {
            guard let val = evaluator.evaluate(v, prefix: "val", abandonWhen: options.interruptRequested) else { return nil }
            results += val
        }
        return results
    }

    static func summary(_ record: [(key: String, value: ParamValue)]) -> String {
        record.compactMap { key, value in
            switch value {
            case let .int(i): return "\(key) \(key == "epoch" ? i + 1 : i)"
            case let .double(d): return key.hasPrefix("weight.") ? nil : "\(key) " + String(format: key.hasPrefix("lr") ? "%.4g" : "%.4f", d)
            default: return nil
            }
        }.joined(separator: "  ")
    }
}

/// Thrown after an interrupt was handled (checkpoint saved); the CLI exits with 130.
public struct TrainingInterrupted: Error {}

/// Running sums of every loss term over an epoch (exact Doubles, stored in
/// checkpoints so a run resumed mid-epoch reports the same means).
public struct LossSums: Sendable, Equatable {
    public var terms: [String]
    public var sums: [Double]
    public var steps = 0

    public init(terms: [String]) {
        self.terms = terms
        sums = terms.map { _ in 0 }
    }

    mutating func add(_ i: Int, _ value: Double) { sums[i] += value }
    func mean(_ i: Int) -> Double { steps > 0 ? sums[i] / Double(steps) : 0 }
    func total(weights: [Double]) -> Double { zip(sums, weights).reduce(0) { $0 + $1.0 * $1.1 } / Double(max(steps, 1)) }
}
