/// What a plan is before any memory exists: the nodes the requested values need, the
/// autodiff marks, the schedule, and every transient buffer's lifetime and arena
/// offset. Computing it allocates no tensor memory, so `canopy check` and `canopy plan`
/// (and the compiler's memory limit) use it alone; `PlanLowering.lower` binds it to a
/// `ModelMemory` and an arena to make a runnable `Plan`.
///
/// Autodiff: a value needs a gradient when it depends (through non-detached edges) on
/// a trainable parameter and reaches a loss (through non-detached edges). Each loss
/// gradient is seeded with its runtime weight; nodes run backward in reverse order and
/// add into their inputs' gradient buffers, each zeroed just before its first writer.
public struct PlanLayout: Sendable {
    /// One entry of the schedule.
    public enum Step: Sendable, Equatable {
        /// Runs node `node` forward.
        case forward(node: Int)
        /// Runs node `node` backward into the gradients of its inputs `inputGradients` (indices, ascending).
        case backward(node: Int, inputGradients: [Int])
        /// Zeroes the gradient buffer of `value` before its first accumulation.
        case zero(value: ValueID)
        /// Sets the gradient of loss `value` to the weight in scalar slot `slot`.
        case seed(value: ValueID, slot: Int)
        /// Zeroes every parameter gradient.
        case zeroParameterGradients
    }

    /// A transient buffer of the arena.
    enum Buffer: Hashable {
        case value(ValueID)
        case gradient(ValueID)
        case workspace(step: Int)
    }

    public let purpose: Plan.Purpose
    public let steps: [Step]
    /// Values kept alive to the end (the requested outputs, the losses, the needed inputs).
    public let keptValues: Set<ValueID>
    /// Every transient buffer with its offset and lifetime, by offset.
    public let placements: [Plan.Placement]
    /// Bytes of the transient arena (activations, their gradients, workspaces).
    public let transientBytes: Int
    let offsetOf: [Buffer: Int]
    private let dependsOnTrainable: Set<ValueID>
    private let reachesLoss: Set<ValueID>

    /// Whether `v` gets a gradient buffer in this plan.
    public func hasGradient(_ v: ValueID) -> Bool { dependsOnTrainable.contains(v) && reachesLoss.contains(v) }

    /// Whether `v` lives in the transient arena (everything but parameters).
    static func isTransient(_ v: ValueID, _ graph: Graph) -> Bool {
        if case .parameter = graph[v].role { return false }
        return true
    }

    /// The layout of the plan for `purpose` computing `outputs` (kept alive to the end);
    /// a train plan also computes every loss of the graph and its backward.
    public init(_ graph: Graph, purpose: Plan.Purpose, outputs: [ValueID]) {
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

        // Schedule.
        var steps: [Step] = []
        for n in graph.nodes.indices where neededNodes[n] { steps.append(.forward(node: n)) }
        if training {
            steps.append(.zeroParameterGradients)
            var zeroed: Set<ValueID> = []
            func ensureZeroed(_ v: ValueID) {
                if graph.isTrainable(v) || zeroed.contains(v) { return }
                zeroed.insert(v)
                steps.append(.zero(value: v))
            }
            for loss in graph.losses where hasGradient(loss.value) {
                ensureZeroed(loss.value)
                steps.append(.seed(value: loss.value, slot: loss.weightSlot))
            }
            for n in graph.nodes.indices.reversed() where neededNodes[n] {
                let node = graph.nodes[n]
                let gradInputs = node.inputs.indices.filter { !node.detached.contains($0) && hasGradient(node.inputs[$0]) }
                guard !gradInputs.isEmpty, node.outputs.contains(where: hasGradient) else { continue }
                for i in gradInputs { ensureZeroed(node.inputs[i]) }
                steps.append(.backward(node: n, inputGradients: gradInputs))
            }
        }

        // Lifetimes of transient buffers.
        var requests: [ArenaPlanner.Request] = []
        var bufferOf: [Buffer: Int] = [:]
        func touch(_ key: Buffer, _ bytes: Int, _ step: Int) {
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
        let inputs = graph.inputs.filter(neededValue.contains)
        for v in inputs {
            touch(.value(v), graph[v].spec.byteCount, 0)
            touch(.value(v), graph[v].spec.byteCount, last)
        }
        for v in roots.sorted() { touch(.value(v), graph[v].spec.byteCount, last) }
        for (s, step) in steps.enumerated() {
            switch step {
            case let .forward(n):
                let node = graph.nodes[n]
                for v in node.inputs + node.outputs where isTransient(v) { touch(.value(v), graph[v].spec.byteCount, s) }
                if node.kernel.workspaceBytes > 0 { touch(.workspace(step: s), node.kernel.workspaceBytes, s) }
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
                if node.kernel.workspaceBytes > 0 { touch(.workspace(step: s), node.kernel.workspaceBytes, s) }
            case let .zero(v), let .seed(v, _):
                touch(.gradient(v), graph[v].spec.byteCount, s)
            case .zeroParameterGradients:
                break
            }
        }

        let (offsets, total) = ArenaPlanner.place(requests)
        self.purpose = purpose
        self.steps = steps
        keptValues = Set(inputs).union(roots)
        transientBytes = max(total, 64)
        offsetOf = bufferOf.mapValues { offsets[$0] }
        placements = bufferOf.map { key, b in
            Plan.Placement(
                what: Self.describe(key, graph), offset: offsets[b], bytes: requests[b].bytes,
                firstStep: requests[b].firstStep, lastStep: requests[b].lastStep)
        }.sorted { ($0.offset, $0.firstStep) < ($1.offset, $1.firstStep) }
        self.dependsOnTrainable = dependsOnTrainable
        self.reachesLoss = reachesLoss
    }

    private static func describe(_ key: Buffer, _ graph: Graph) -> String {
        switch key {
        case let .value(v): return graph[v].name
        case let .gradient(v): return "grad " + graph[v].name
        case let .workspace(s): return "workspace of step \(s)"
        }
    }
}
