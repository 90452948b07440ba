import CanopyRuntime

/// Text dumps of the compiler passes' outputs (`canopy plan --dump PASS`).
public enum PlanDumps {
    /// Every value (with role and spec) and every node (kernel, inputs -> outputs).
    public static func graph(_ plans: ExperimentPlans) -> String {
        let g = plans.memory.graph
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
            out += "  \(n.name) = \(n.kernelName)(\(ins.joined(separator: ", "))) -> \(n.outputs.map { g[$0].spec.description }.joined(separator: ", "))\n"
        }
        out += "losses:\n"
        for l in plans.experiment.losses { out += "  \(l.name) = \(g[l.value].name), weight \(l.weight), slot \(l.slot)\n" }
        out += "named values:\n"
        for (name, v) in plans.experiment.values.sorted(by: { $0.key < $1.key }) { out += "  \(name) -> \(g[v].name) \(g[v].spec)\n" }
        return out
    }

    /// The steps of `plan` (only those of one kind when given).
    public static func schedule(_ plan: Plan, only: Plan.Step.Kind?) -> String {
        let g = plan.graph
        var out = ""
        for (i, step) in plan.steps.enumerated() where only == nil || step.kind == only {
            switch step.kind {
            case .forward: out += "\(i) forward  \(g.nodes[step.node!].name) [\(g.nodes[step.node!].kernelName)]\n"
            case .backward:
                let node = g.nodes[step.node!]
                let grads = node.inputs.indices.filter { step.call.inputGrad($0) != nil }.map { g[node.inputs[$0]].name }
                out += "\(i) backward \(node.name) [\(node.kernelName)] -> d(\(grads.joined(separator: ", ")))\n"
            case .zero: out += "\(i) zero     gradient buffer\n"
            case let .seed(slot): out += "\(i) seed     loss gradient = weight slot \(slot)\n"
            case .zeroParameterGradients: out += "\(i) zero     all parameter gradients\n"
            }
        }
        return out
    }

    /// The persistent regions and every transient buffer's offset, size and lifetime.
    public static func memory(_ plans: ExperimentPlans) -> String {
        let m = plans.memory
        var out = "persistent: parameters \(m.parameters.byteCount) B (\(m.trainableCount) trainable floats), "
            + "gradients \(m.gradients.byteCount) B, state \(m.states.byteCount) B\n"
        for (name, plan) in [("train", plans.train), ("eval", plans.eval), ("deploy", plans.deploy)] {
            out += "\(name) arena: \(plan.transientBytes) B, \(plan.placements.count) buffers\n"
            for p in plan.placements {
                out += "  @\(p.offset) \(p.bytes) B steps \(p.firstStep)-\(p.lastStep) \(p.what)\n"
            }
        }
        return out
    }
}
