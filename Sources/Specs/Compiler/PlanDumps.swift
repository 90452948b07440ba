import CanopyRuntime

/// Text dumps of the compiler passes' outputs (`canopy plan --dump PASS`), made from the
/// layouts alone (nothing is allocated).
public enum PlanDumps {
    /// Every value (with role and spec) and every node (kernel, inputs -> outputs).
    public static func graph(_ experiment: CompiledExperiment) -> String {
        let g = experiment.graph
        var out = "values:\n"
        for (i, v) in g.values.enumerated() {
            let role: String
            switch v.role {
            case .input: role = "input"
            case let .parameter(_, trainable): role = trainable ? "param" : "param (frozen)"
            case .activation: role = "activation"
            }
            out += "  %\(i) \(v.name) \(v.spec) \(role)\n"
        }
        out += "nodes:\n"
        for n in g.nodes {
            let ins = n.inputs.enumerated().map { i, v in (n.detached.contains(i) ? "detach " : "") + g[v].name }
            out +=
                "  \(n.name) = \(n.kernelName)(\(ins.joined(separator: ", "))) -> \(n.outputs.map { g[$0].spec.description }.joined(separator: ", "))\n"
        }
        out += "losses:\n"
        for l in experiment.losses { out += "  \(l.name) = \(g[l.value].name), weight \(l.weight), slot \(l.slot)\n" }
        out += "named values:\n"
        for (name, v) in experiment.values.sorted(by: { $0.key < $1.key }) { out += "  \(name) -> \(g[v].name) \(g[v].spec)\n" }
        return out
    }

    /// The steps of `layout` (only the backward ones when `backwardOnly`), each naming
    /// its node or the buffer it writes.
    public static func schedule(_ layout: PlanLayout, graph g: Graph, backwardOnly: Bool = false) -> String {
        var out = ""
        for (i, step) in layout.steps.enumerated() {
            switch step {
            case let .backward(n, inputGradients):
                let node = g.nodes[n]
                let grads = inputGradients.map { g[node.inputs[$0]].name }
                out += "\(i) backward \(node.name) [\(kernel(node))] -> d(\(grads.joined(separator: ", ")))\n"
            case _ where backwardOnly: continue
            case let .forward(n): out += "\(i) forward  \(g.nodes[n].name) [\(kernel(g.nodes[n]))]\n"
            case let .zero(v): out += "\(i) zero     grad \(g[v].name)\n"
            case let .seed(v, slot): out += "\(i) seed     grad \(g[v].name) = weight slot \(slot)\n"
            case .zeroParameterGradients: out += "\(i) zero     all parameter gradients\n"
            }
        }
        return out
    }

    /// A node's kernel name, with the algorithm it runs when it has a choice.
    private static func kernel(_ node: GraphNode) -> String {
        node.kernel.algorithm.map { "\(node.kernelName): \($0)" } ?? node.kernelName
    }

    /// The persistent regions and every transient buffer's offset, size and lifetime.
    public static func memory(_ experiment: CompiledExperiment, _ layout: ExperimentLayout) -> String {
        let g = experiment.graph
        let bytes = { (values: [ValueID]) in values.reduce(0) { $0 + ArenaPlanner.align(g[$1].spec.byteCount) } }
        let trainable = bytes(g.parameters.filter(g.isTrainable))
        let states = g.states.reduce(0) { $0 + ArenaPlanner.align($1.spec.byteCount) }
        var out =
            "persistent: parameters \(max(bytes(g.parameters), 64)) B (\(trainable / 4) trainable floats), "
            + "gradients \(max(trainable, 64)) B, state \(max(states, 64)) B\n"
        for (name, plan) in [("train", layout.train), ("eval", layout.eval), ("deploy", layout.deploy)] {
            out += "\(name) arena: \(plan.transientBytes) B, \(plan.placements.count) buffers\n"
            for p in plan.placements {
                out += "  @\(p.offset) \(p.bytes) B steps \(p.firstStep)-\(p.lastStep) \(p.what)\n"
            }
        }
        return out
    }
}
