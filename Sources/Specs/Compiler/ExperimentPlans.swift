import CanopyRuntime

/// The layouts of an experiment's three plans (training step, evaluation pass, deployed
/// model) and the size of its persistent memory, computed without allocating anything:
/// what `canopy check` and `canopy plan` need, and what the compiler's memory limit
/// compares against. `ExperimentPlans` binds these layouts to memory.
public struct ExperimentLayout: Sendable {
    public let train: PlanLayout
    public let eval: PlanLayout
    public let deploy: PlanLayout
    /// Bytes of parameters, their gradients and the state buffers (`ModelMemory`).
    public let persistentBytes: Int

    /// Every byte the model and its three plans take together.
    public var totalBytes: Int { persistentBytes + train.transientBytes + eval.transientBytes + deploy.transientBytes }

    public init(_ experiment: CompiledExperiment) {
        let graph = experiment.graph
        let heads = experiment.heads.map(\.value)
        train = PlanLayout(graph, purpose: .train, outputs: heads)
        // The branch features stay outputs for the branch-diversity statistics.
        eval = PlanLayout(graph, purpose: .eval, outputs: heads + BranchDiversity.features(of: experiment))
        deploy = PlanLayout(graph, purpose: .eval, outputs: [experiment.deploy])
        persistentBytes = Self.persistentBytes(graph)
    }

    /// Bytes `ModelMemory` allocates for `graph` (each of its three arenas takes at least 64).
    static func persistentBytes(_ graph: Graph) -> Int {
        let aligned = { (v: ValueID) in ArenaPlanner.align(graph[v].spec.byteCount) }
        let parameters = graph.parameters
        return max(parameters.reduce(0) { $0 + aligned($1) }, 64) + max(parameters.filter(graph.isTrainable).reduce(0) { $0 + aligned($1) }, 64)
            + max(graph.states.reduce(0) { $0 + ArenaPlanner.align($1.spec.byteCount) }, 64)
    }

    /// At least the `totalBytes` of any graph's layout, in one pass and without planning:
    /// every value, its gradient and two workspaces per node in each of the three arenas
    /// at once, plus the state buffers (parameters and their gradients count among the values).
    public static func upperBound(_ graph: Graph) -> Double {
        let values = graph.values.reduce(0.0) { $0 + Double(ArenaPlanner.align($1.spec.byteCount)) }
        let workspaces = graph.nodes.reduce(0.0) { $0 + Double(ArenaPlanner.align($1.kernel.workspaceBytes)) }
        let states = graph.states.reduce(0.0) { $0 + Double(ArenaPlanner.align($1.spec.byteCount)) }
        return 6 * (values + workspaces) + states + 3 * 64
    }
}

/// The three plans of an experiment over one model memory: the training step
/// (forward, losses, backward), the evaluation pass (every head, evaluation mode) and
/// the deployed model (only what its output needs: peer branches pruned).
public final class ExperimentPlans: @unchecked Sendable {
    public let experiment: CompiledExperiment
    public let layout: ExperimentLayout
    public let memory: ModelMemory
    public let train: Plan
    public let eval: Plan
    public let deploy: Plan

    /// The most memory the model and its three plans may take together (16 GiB). The
    /// compiler refuses a spec that needs more, before anything is allocated.
    public static let memoryLimit = 16 << 30

    /// Allocates the model memory and the three plans (`layout` when already computed).
    public init(_ experiment: CompiledExperiment, layout: ExperimentLayout? = nil) {
        self.experiment = experiment
        self.layout = layout ?? ExperimentLayout(experiment)
        memory = ModelMemory(graph: experiment.graph)
        train = PlanLowering.lower(memory, self.layout.train)
        eval = PlanLowering.lower(memory, self.layout.eval)
        deploy = PlanLowering.lower(memory, self.layout.deploy)
    }
}
