import CanopyRuntime

/// The three plans of an experiment over one model memory: the training step
/// (forward, losses, backward), the evaluation pass (every head, evaluation mode) and
/// the deployed model (only what its output needs: peer branches pruned).
public final class ExperimentPlans: @unchecked Sendable {
    public let experiment: CompiledExperiment
    public let memory: ModelMemory
    public let train: Plan
    public let eval: Plan
    public let deploy: Plan

    public init(_ experiment: CompiledExperiment) {
        self.experiment = experiment
        memory = ModelMemory(graph: experiment.graph)
        let heads = experiment.heads.map(\.value)
        train = PlanLowering.lower(memory, purpose: .train, outputs: heads)
        eval = PlanLowering.lower(memory, purpose: .eval, outputs: heads)
        deploy = PlanLowering.lower(memory, purpose: .eval, outputs: [experiment.deploy])
    }
}
