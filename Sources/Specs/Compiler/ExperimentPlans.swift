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

    /// The most memory the model and its three plans may take together (16 GiB). The
    /// compiler refuses a spec that needs more, before anything is allocated.
    public static let memoryLimit = 16 << 30

    public init(_ experiment: CompiledExperiment) {
        self.experiment = experiment
        memory = ModelMemory(graph: experiment.graph)
        let heads = experiment.heads.map(\.value)
        train = PlanLowering.lower(memory, purpose: .train, outputs: heads)
        // The branch features stay outputs for the branch-diversity statistics.
        eval = PlanLowering.lower(memory, purpose: .eval, outputs: heads + BranchDiversity.features(of: experiment))
        deploy = PlanLowering.lower(memory, purpose: .eval, outputs: [experiment.deploy])
    }

    /// Bytes that `init` would allocate for a graph, computed without allocating.
    public struct MemoryNeed: Sendable, Equatable {
        /// Parameters, their gradients and the state buffers (`ModelMemory`).
        public var persistent: Int
        public var trainArena: Int
        public var evalArena: Int
        public var deployArena: Int

        public var total: Int { persistent + trainArena + evalArena + deployArena }

        public init(graph: Graph, heads: [ValueID], deploy: ValueID) {
            let aligned = { (v: ValueID) in ArenaPlanner.align(graph[v].spec.byteCount) }
            let parameters = graph.parameters
            persistent = parameters.reduce(0) { $0 + aligned($1) }
                + parameters.filter(graph.isTrainable).reduce(0) { $0 + aligned($1) }
                + graph.states.reduce(0) { $0 + ArenaPlanner.align($1.spec.byteCount) }
            trainArena = PlanLowering.transientBytes(graph, purpose: .train, outputs: heads)
            evalArena = PlanLowering.transientBytes(graph, purpose: .eval, outputs: heads)
            deployArena = PlanLowering.transientBytes(graph, purpose: .eval, outputs: [deploy])
        }

        /// At least the `total` of any graph's need, in one pass and without planning: every
        /// value, its gradient and two workspaces per node in each of the three arenas at
        /// once, plus the state buffers (parameters and their gradients count among the values).
        public static func upperBound(_ graph: Graph) -> Double {
            let values = graph.values.reduce(0.0) { $0 + Double(ArenaPlanner.align($1.spec.byteCount)) }
            let workspaces = graph.nodes.reduce(0.0) { $0 + Double(ArenaPlanner.align($1.kernel.workspaceBytes)) }
            let states = graph.states.reduce(0.0) { $0 + Double(ArenaPlanner.align($1.spec.byteCount)) }
            return 6 * (values + workspaces) + states + 3 * 64
        }
    }
}
