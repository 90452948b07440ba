import CanopyRuntime
import CanopySpecs

/// Runs the evaluation plan over a loader's batches and accumulates every metric on
/// every head (branch logits, ensemble, deployed model), and, with two or more
/// branches, their diversity (`BranchDiversity`: `<prefix>.diversity.*`).
public struct Evaluator {
    public let plans: ExperimentPlans

    public init(_ plans: ExperimentPlans) { self.plans = plans }

    /// `<prefix>.<head>.<result>` -> value, e.g. `test.branch[0].top1`.
    public func evaluate(_ loader: BatchLoader, prefix: String) -> [(String, Double)] {
        evaluate(loader, prefix: prefix, abandonWhen: { false })!
    }

    /// The same, asking `stop` before each batch: nil when it returned true and the
    /// evaluation was abandoned (an interrupt during training's evaluation).
    public func evaluate(_ loader: BatchLoader, prefix: String, abandonWhen stop: () -> Bool) -> [(String, Double)]? {
        let e = plans.experiment
        let plan = plans.eval
        let x = plan.output(e.input)!
        var accumulators = e.heads.map { _ in e.metrics.map { $0.makeAccumulator() } }
        // Diversity among the branches (>= 2), over their logits and pooled features.
        let branchHeads = e.branchHeads.map(\.value)
        let features = BranchDiversity.features(of: e)
        var diversity =
            branchHeads.count >= 2
            ? BranchDiversity(branches: branchHeads.count, featureDims: features.isEmpty ? nil : features.map { e.graph[$0].spec.shape[-1] })
            : nil
        let batches = PrefetchingBatchLoader(loader)
        batches.start(epoch: 0)
        while let batch = batches.next() {
            if stop() { return nil }
            x.base.copyMemory(from: batch.x.base, byteCount: x.spec.byteCount)
            plan.run()
            for (h, head) in e.heads.enumerated() {
                let logits = plan.output(head.value)!
                for m in accumulators[h].indices { accumulators[h][m].add(logits: logits, target: batch.target, rows: batch.rows) }
            }
            diversity?.add(logits: branchHeads.map { plan.output($0)! }, features: features.map { plan.output($0)! }, rows: batch.rows)
        }
        var out: [(String, Double)] = []
        for (h, head) in e.heads.enumerated() {
            for (m, metric) in e.metrics.enumerated() {
                for (r, name) in metric.resultNames.enumerated() {
                    out.append(("\(prefix).\(head.name).\(name)", accumulators[h][m].results[r]))
                }
            }
        }
        for (name, value) in diversity?.results ?? [] { out.append(("\(prefix).diversity.\(name)", value)) }
        return out
    }
}
