import CanopyRuntime

/// A spec compiled to a graph and the plugin objects that run with it: what
/// `canopy plan` prints and what the trainer executes.
public struct CompiledExperiment: Sendable {
    public var spec: ExperimentSpec
    public var graph: Graph
    /// The image batch [B, C, H, W] and the targets [B].
    public var input: ValueID
    public var target: ValueID
    /// Every named value a spec can refer to: `trunk.stage2`, `branch[1].logits`, `ensemble.logits`, `deploy.logits`.
    public var values: [String: ValueID]
    public var losses: [CompiledLoss]
    /// Logits heads evaluated every epoch, by display name ("branch[0]", "ensemble", "deploy").
    public var heads: [(name: String, value: ValueID)]
    /// The deployed model's output, and the parameter-name prefix its branch carries
    /// ("branch.0." when the deployed model runs through peer 0), stripped on export.
    public var deploy: ValueID
    public var deployPrefix: String?
    public var optimizer: any Optimizer
    public var schedule: (any LRSchedule)?
    public var metrics: [any MetricPlugin]
    /// Source position of each graph `Origin`.
    public var origins: [SourceMark]

    /// The source position of a graph element, when known.
    public func mark(_ origin: Origin?) -> SourceMark? { origin.map { origins[$0.index] } }
}

/// One loss term after `foreach` expansion.
public struct CompiledLoss: Sendable {
    /// "ce" or, expanded over branches, "ce[0]", "ce[1]", ...
    public var name: String
    public var value: ValueID
    /// Index of the runtime scalar holding the term's weight.
    public var slot: Int
    public var weight: LossWeight
}
