import CanopyRuntime
import CanopySpecs

extension Checkpoint {
    /// What a checkpoint's metadata must agree with to resume a run: the spec's epochs,
    /// seed and loss terms, and the steps per epoch of its data.
    public struct Expected: Sendable {
        public var epochs: Int
        public var stepsPerEpoch: Int
        public var seed: UInt64
        public var lossTerms: [String]

        public init(epochs: Int, stepsPerEpoch: Int, seed: UInt64, lossTerms: [String]) {
            self.epochs = epochs
            self.stepsPerEpoch = stepsPerEpoch
            self.seed = seed
            self.lossTerms = lossTerms
        }
    }

    /// The progress in `metadata`, every field checked against `expected`: `epoch` in
    /// 0...epochs; `step` in 0...stepsPerEpoch (stepsPerEpoch: the epoch's steps are done,
    /// its record is not written yet), 0 at the end of training; `optimizer_steps` equal to
    /// the steps before that position; `seed` the spec's; `spec_hash` present; `loss_sums`
    /// the spec's loss terms with finite sums over `step` steps. A bad field throws,
    /// naming `path` and the field.
    static func progress(_ metadata: [String: String], path: String, expected e: Expected) throws -> Progress {
        func field(_ name: String) throws -> String {
            guard let text = metadata[name] else { throw CheckpointError("\(path): metadata field '\(name)' is missing") }
            return text
        }
        func integer(_ name: String, in range: ClosedRange<Int>, _ meaning: String) throws -> Int {
            let text = try field(name)
            guard let value = Int(text), range.contains(value) else {
                throw CheckpointError("\(path): metadata field '\(name)' is '\(text)', expected an integer in \(range) (\(meaning))")
            }
            return value
        }
        let epoch = try integer("epoch", in: 0...e.epochs, "the spec's \(e.epochs) epochs")
        let lastStep = epoch == e.epochs ? 0 : e.stepsPerEpoch
        let step = try integer(
            "step", in: 0...lastStep,
            epoch == e.epochs
                ? "0 once every epoch is done" : "\(e.stepsPerEpoch) steps per epoch")
        let done = epoch * e.stepsPerEpoch + step
        let optimizerSteps = try integer(
            "optimizer_steps", in: done...done,
            "the steps before epoch \(epoch + 1), step \(step) at \(e.stepsPerEpoch) steps per epoch")
        let seedText = try field("seed")
        guard let seed = UInt64(seedText), seed == e.seed else {
            throw CheckpointError("\(path): metadata field 'seed' is '\(seedText)', the spec's seed is \(e.seed)")
        }
        let specHash = try field("spec_hash")
        let sums = try lossSums(field("loss_sums"), path: path, terms: e.lossTerms, steps: step)
        return Progress(
            position: Position(epoch: epoch, step: step), optimizerSteps: optimizerSteps, seed: seed,
            specHash: specHash, lossSums: sums)
    }

    /// Parses `loss_sums`: `{"terms": [the spec's terms], "sums": [one finite number each], "steps": steps}`.
    private static func lossSums(_ text: String, path: String, terms: [String], steps: Int) throws -> LossSums {
        let problem = { (what: String) in CheckpointError("\(path): metadata field 'loss_sums' \(what)") }
        guard let value = try? JSON.parse(text), case .object = value else { throw problem("is not a JSON object") }
        guard case let .array(storedTerms)? = value["terms"], storedTerms == terms.map(ParamValue.string) else {
            throw problem("does not hold this spec's loss terms \(terms) under 'terms'")
        }
        guard case let .array(values)? = value["sums"], values.count == terms.count else {
            throw problem("does not hold \(terms.count) sums under 'sums'")
        }
        var sums = LossSums(terms: terms)
        for (i, v) in values.enumerated() {
            switch v {
            case let .double(d) where d.isFinite: sums.sums[i] = d
            case let .int(n): sums.sums[i] = Double(n)
            default: throw problem("has '\(JSON.serialize(v))' as the sum of '\(terms[i])', expected a finite number")
            }
        }
        guard case let .int(n)? = value["steps"], n == steps else {
            throw problem("does not give the step count \(steps) under 'steps'")
        }
        sums.steps = n
        return sums
    }
}
