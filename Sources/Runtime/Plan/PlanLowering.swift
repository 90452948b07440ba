/// Lowers a graph to a `Plan`: selects the nodes the requested values need, derives
/// the backward schedule (autodiff), places every transient buffer by lifetime in one
/// arena, and binds each step's `KernelCall` to its memory.
///
/// Autodiff: a value needs a gradient when it depends (through non-detached edges) on
/// a trainable parameter and reaches a loss (through non-detached edges). Each loss
/// gradient is seeded with its runtime weight; nodes run backward in reverse order and
/// add into their inputs' gradient buffers, each zeroed just before its first writer.
public enum PlanLowering {
    /// Builds the plan for `purpose` computing `outputs` (kept alive to the end); a train
    /// plan also computes every loss of the graph and its backward.
    public static func lower(_ memory: ModelMemory, purpose: Plan.Purpose, outputs: [ValueID]) -> Plan {
        let graph = memory.graph
        let layout = Layout(graph, purpose: purpose, outputs: outputs)
        let (training, roots, neededValue, steps) = (layout.training, layout.roots, layout.neededValue, layout.steps)
        let (requests, bufferOf, offsets, total) = (layout.requests, layout.bufferOf, layout.offsets, layout.totalBytes)
        func hasGradient(_ v: ValueID) -> Bool { layout.hasGradient(v) }
        func isTransient(_ v: ValueID) -> Bool { Layout.isTransient(v, graph) }

        // Binding.
        let arena = Arena(byteCount: total)
        func tensor(_ key: BufferKey, _ spec: TensorSpec) -> Tensor { arena.tensor(at: offsets[bufferOf[key]!], spec) }
        func value(_ v: ValueID) -> Tensor {
            isTransient(v) ? tensor(.value(v), graph[v].spec) : memory.parameter(v)
        }
        func gradient(_ v: ValueID) -> Tensor? {
            guard hasGradient(v) else { return nil }
            return isTransient(v) ? tensor(.gradient(v), graph[v].spec) : memory.gradient(v)
        }
        var planSteps: [Plan.Step] = []
        for (s, step) in steps.enumerated() {
            switch step {
            case let .forward(n), let .backward(n, _):
                let node = graph.nodes[n]
                var call = KernelCall(inputs: node.inputs.map(value), outputs: node.outputs.map(value),
                                      state: node.states.map(memory.state), training: training && !node.evalMode)
                if case let .backward(_, gradInputs) = step {
                    call.inputGrads = node.inputs.indices.map { gradInputs.contains($0) ? gradient(node.inputs[$0]) : nil }
                    call.outputGrads = node.outputs.map(gradient)
                }
                if node.kernel.workspaceBytes > 0 { call.workspace = tensor(.workspace(s), TensorSpec([0])).base }
                let isForward: Bool = if case .forward = step { true } else { false }
                planSteps.append(Plan.Step(kind: isForward ? .forward : .backward, node: n, call: call))
            case let .zero(v):
                planSteps.append(Plan.Step(kind: .zero, node: nil, call: KernelCall(inputs: [], outputs: [gradient(v)!])))
            case let .seed(v, slot):
                planSteps.append(Plan.Step(kind: .seed(slot: slot), node: nil, call: KernelCall(inputs: [], outputs: [gradient(v)!])))
            case .zeroParameterGradients:
                planSteps.append(Plan.Step(kind: .zeroParameterGradients, node: nil, call: KernelCall(inputs: [], outputs: [])))
            }
        }
        var kept: [ValueID: Tensor] = [:]
        for v in Set(graph.inputs.filter(neededValue.contains)).union(roots) { kept[v] = value(v) }
        let scalars = UnsafeMutablePointer<Float>.allocate(capacity: max(graph.scalarSlots, 1))
        scalars.initialize(repeating: 1, count: max(graph.scalarSlots, 1))
        let placements = bufferOf.map { key, b in
            Plan.Placement(what: describe(key, graph), offset: offsets[b], bytes: requests[b].bytes,
                           firstStep: requests[b].firstStep, lastStep: requests[b].lastStep)
        }.sorted { ($0.offset, $0.firstStep) < ($1.offset, $1.firstStep) }
        return Plan(purpose: purpose, memory: memory, steps: planSteps, arena: arena, valueTensors: kept, scalars: scalars,
                    placements: placements)
    }

    /// Bytes of the transient arena `lower` allocates for these arguments, computed
    /// without allocating (so an absurd plan can be refused before it takes the memory).
    public static func transientBytes(_ graph: Graph, purpose: Plan.Purpose, outputs: [ValueID]) -> Int {
        max(Layout(graph, purpose: purpose, outputs: outputs).totalBytes, 64)
    }

    /// What a plan is before memory exists: the values needed, the autodiff marks, the
    /// abstract schedule, and every transient buffer's lifetime and arena offset.
    private struct Layout {
        let training: Bool
        let roots: Set<ValueID>
        let neededValue: Set<ValueID>
        let dependsOnTrainable: Set<ValueID>
        let reachesLoss: Set<ValueID>
        let steps: [AbstractStep]
        let requests: [ArenaPlanner.Request]
        let bufferOf: [BufferKey: Int]
        let offsets: [Int]
        let totalBytes: Int

        func hasGradient(_ v: ValueID) -> Bool { dependsOnTrainable.contains(v) && reachesLoss.contains(v) }

        static func isTransient(_ v: ValueID, _ graph: Graph) -> Bool {
            if case .parameter = graph[v].role { return false }
            return true
        }

        init(_ graph: Graph, purpose: Plan.Purpose, outputs: [ValueID]) {
            let training = purpose == .train
            let roots = Set(outputs + (training ? graph.losses.map(\.value) : []))

            // Nodes needed for the roots.
            var neededValue = roots
            var neededNodes = [Bool](repeating: false, count: graph.nodes.count)
            for n in graph.nodes.indices.reversed() where graph.nodes[n].outputs.contains(where: neededValue.contains) {
                neededNodes[n] = true
                neededValue.formUnion(graph.nodes[n].inputs)
            }

            // Autodiff marks.
            var dependsOnTrainable = Set(graph.parameters.filter(graph.isTrainable))
            var reachesLoss = Set(training ? graph.losses.map(\.value) : [])
            if training {
                for n in graph.nodes.indices where neededNodes[n] {
                    let node = graph.nodes[n]
                    if node.inputs.indices.contains(where: { !node.detached.contains($0) && dependsOnTrainable.contains(node.inputs[$0]) }) {
                        dependsOnTrainable.formUnion(node.outputs)
                    }
                }
                for n in graph.nodes.indices.reversed() where neededNodes[n] {
                    let node = graph.nodes[n]
                    guard node.outputs.contains(where: reachesLoss.contains) else { continue }
                    for (i, v) in node.inputs.enumerated() where !node.detached.contains(i) { reachesLoss.insert(v) }
                }
            }
            func hasGradient(_ v: ValueID) -> Bool { dependsOnTrainable.contains(v) && reachesLoss.contains(v) }

            // Abstract schedule.
            var steps: [AbstractStep] = []
            for n in graph.nodes.indices where neededNodes[n] { steps.append(.forward(n)) }
            if training {
                steps.append(.zeroParameterGradients)
                var zeroed: Set<ValueID> = []
                func ensureZeroed(_ v: ValueID) {
                    if graph.isTrainable(v) || zeroed.contains(v) { return }
                    zeroed.insert(v)
                    steps.append(.zero(v))
                }
                for loss in graph.losses where hasGradient(loss.value) {
                    ensureZeroed(loss.value)
                    steps.append(.seed(loss.value, loss.weightSlot))
                }
                for n in graph.nodes.indices.reversed() where neededNodes[n] {
                    let node = graph.nodes[n]
                    let gradInputs = node.inputs.indices.filter { !node.detached.contains($0) && hasGradient(node.inputs[$0]) }
                    guard !gradInputs.isEmpty, node.outputs.contains(where: hasGradient) else { continue }
                    for i in gradInputs { ensureZeroed(node.inputs[i]) }
                    steps.append(.backward(n, Set(gradInputs)))
                }
            }

            // Lifetimes of transient buffers.
            var requests: [ArenaPlanner.Request] = []
            var bufferOf: [BufferKey: Int] = [:]
            func touch(_ key: BufferKey, _ bytes: Int, _ step: Int) {
                if let b = bufferOf[key] {
                    requests[b].firstStep = min(requests[b].firstStep, step)
                    requests[b].lastStep = max(requests[b].lastStep, step)
                } else {
                    bufferOf[key] = requests.count
                    requests.append(ArenaPlanner.Request(bytes: bytes, firstStep: step, lastStep: step))
                }
            }
            func isTransient(_ v: ValueID) -> Bool { Self.isTransient(v, graph) }
            let last = steps.count
            // Inputs live through the whole plan: the caller fills them before a run and may run again.
            for v in graph.inputs where neededValue.contains(v) {
                touch(.value(v), graph[v].spec.byteCount, 0)
                touch(.value(v), graph[v].spec.byteCount, last)
            }
            for v in roots { touch(.value(v), graph[v].spec.byteCount, last) }
            for (s, step) in steps.enumerated() {
                switch step {
                case let .forward(n):
                    let node = graph.nodes[n]
                    for v in node.inputs + node.outputs where isTransient(v) { touch(.value(v), graph[v].spec.byteCount, s) }
                    if node.kernel.workspaceBytes > 0 { touch(.workspace(s), node.kernel.workspaceBytes, s) }
                case let .backward(n, gradInputs):
                    let node = graph.nodes[n]
                    let saved = node.kernel.saved
                    for (i, v) in node.inputs.enumerated() where isTransient(v) && (saved.inputs?.contains(i) ?? true) {
                        touch(.value(v), graph[v].spec.byteCount, s)
                    }
                    for (j, v) in node.outputs.enumerated() where saved.outputs?.contains(j) ?? true {
                        touch(.value(v), graph[v].spec.byteCount, s)
                    }
                    for v in node.outputs where hasGradient(v) { touch(.gradient(v), graph[v].spec.byteCount, s) }
                    for i in gradInputs where isTransient(node.inputs[i]) {
                        touch(.gradient(node.inputs[i]), graph[node.inputs[i]].spec.byteCount, s)
                    }
                    if node.kernel.workspaceBytes > 0 { touch(.workspace(s), node.kernel.workspaceBytes, s) }
                case let .zero(v), let .seed(v, _):
                    touch(.gradient(v), graph[v].spec.byteCount, s)
                case .zeroParameterGradients:
                    break
                }
            }

            (offsets, totalBytes) = ArenaPlanner.place(requests)
            (self.training, self.roots, self.neededValue, self.steps) = (training, roots, neededValue, steps)
            (self.dependsOnTrainable, self.reachesLoss, self.requests, self.bufferOf) = (dependsOnTrainable, reachesLoss, requests, bufferOf)
        }
    }

    private static func describe(_ key: BufferKey, _ graph: Graph) -> String {
        switch key {
        case let .value(v): return graph[v].name
        case let .gradient(v): return "grad " + graph[v].name
        case let .workspace(s): return "workspace of step \(s)"
        }
    }

    private enum AbstractStep {
        case forward(Int)
        case backward(Int, Set<Int>)
        case zero(ValueID)
        case seed(ValueID, Int)
        case zeroParameterGradients
    }

    private enum BufferKey: Hashable {
        case value(ValueID)
        case gradient(ValueID)
        case workspace(Int)
    }
}
