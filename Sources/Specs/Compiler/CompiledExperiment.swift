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
    /// Logits heads evaluated every epoch, in report order.
    public var heads: [EvalHead]
    /// The heads of the peer branches, in branch order.
    public var branchHeads: [EvalHead] { heads.filter { if case .branch = $0.role { true } else { false } } }
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

/// A logits head evaluated every epoch: its metrics are reported as `<split>.<name>.<metric>`.
public struct EvalHead: Sendable {
    /// What a head is in the model.
    public enum Role: Sendable, Equatable {
        /// Peer branch k.
        case branch(Int)
        /// The backbone's own classifier (no branches, or T2B's trunk next to them).
        case trunk
        /// The ensemble of the branches.
        case ensemble
        /// A node of the spec's `nodes:` with a `logits` output.
        case node
        /// The deployed model's output.
        case deploy
    }

    /// The display name: "branch[0]", "trunk", "ensemble", a node's name, "deploy".
    public var name: String
    public var value: ValueID
    public var role: Role

    public init(_ name: String, _ value: ValueID, role: Role) {
        self.name = name
        self.value = value
        self.role = role
    }
}

/// One loss term after `foreach` expansion.
public struct CompiledLoss: Sendable {
    /// "ce" or, expanded over branches, "ce[0]", "ce[1]", ...
    public var name: String
    public var value: ValueID
    /// Index of the runtime scalar holding the term's weight.
    public var slot: Int
    public var weight: LossWeight
    /// The weight is 0 on the first step of every epoch (`skip_first_step`).
    public var skipFirstStep = false

    /// The weight at step `step` (0-based, within the epoch) of 0-based epoch `epoch`.
    public func weight(epoch: Int, step: Int) -> Double { skipFirstStep && step == 0 ? 0 : weight.value(epoch: epoch) }
}
