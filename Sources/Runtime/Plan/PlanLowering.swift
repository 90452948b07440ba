/// Lowers a graph to a runnable `Plan`: lays it out (`PlanLayout`: the needed nodes,
/// autodiff, the schedule, every transient buffer placed by lifetime in one arena),
/// allocates the arena, and binds each step's `KernelCall` to its memory.
public enum PlanLowering {
    /// Builds the plan for `purpose` computing `outputs` (kept alive to the end); a train
    /// plan also computes every loss of the graph and its backward.
    public static func lower(_ memory: ModelMemory, purpose: Plan.Purpose, outputs: [ValueID]) -> Plan {
        lower(memory, PlanLayout(memory.graph, purpose: purpose, outputs: outputs))
    }

    /// Binds `layout` (made from `memory.graph`) to `memory` and a new arena.
    public static func lower(_ memory: ModelMemory, _ layout: PlanLayout) -> Plan {
        let graph = memory.graph
        let arena = Arena(byteCount: layout.transientBytes)
        func tensor(_ key: PlanLayout.Buffer, _ spec: TensorSpec) -> Tensor { arena.tensor(at: layout.offsetOf[key]!, spec) }
        func value(_ v: ValueID) -> Tensor {
            PlanLayout.isTransient(v, graph) ? tensor(.value(v), graph[v].spec) : memory.parameter(v)
        }
        func gradient(_ v: ValueID) -> Tensor? {
            guard layout.hasGradient(v) else { return nil }
            return PlanLayout.isTransient(v, graph) ? tensor(.gradient(v), graph[v].spec) : memory.gradient(v)
        }
        let training = layout.purpose == .train
        var planSteps: [Plan.Step] = []
        for (s, step) in layout.steps.enumerated() {
            switch step {
            case let .forward(n), let .backward(n, _):
                let node = graph.nodes[n]
                var call = KernelCall(
                    inputs: node.inputs.map(value), outputs: node.outputs.map(value),
                    state: node.states.map(memory.state), training: training && !node.evalMode)
                if case let .backward(_, gradInputs) = step {
                    call.inputGrads = node.inputs.indices.map { gradInputs.contains($0) ? gradient(node.inputs[$0]) : nil }
                    call.outputGrads = node.outputs.map(gradient)
                }
                if node.kernel.workspaceBytes > 0 { call.workspace = tensor(.workspace(step: s), TensorSpec([0])).base }
                if case .forward = step { planSteps.append(.forward(node: n, call)) } else { planSteps.append(.backward(node: n, call)) }
            case let .zero(v):
                planSteps.append(.zero(value: v, gradient: gradient(v)!))
            case let .seed(v, slot):
                planSteps.append(.seed(value: v, gradient: gradient(v)!, slot: slot))
            case .zeroParameterGradients:
                planSteps.append(.zeroParameterGradients)
            }
        }
        var kept: [ValueID: Tensor] = [:]
        for v in layout.keptValues { kept[v] = value(v) }
        let scalars = UnsafeMutablePointer<Float>.allocate(capacity: max(graph.scalarSlots, 1))
        scalars.initialize(repeating: 1, count: max(graph.scalarSlots, 1))
        return Plan(
            purpose: layout.purpose, memory: memory, steps: planSteps, arena: arena, valueTensors: kept, scalars: scalars,
            placements: layout.placements)
    }
}
