import Foundation
import CanopyRuntime

/// What `canopy plan` prints: one row per forward op of the training plan (name,
/// kernel, output shape, parameters, MACs per image), totals, and the cost of the
/// training step and of the deployed model side by side.
///
/// MACs count conv, linear and attention products per image (fvcore's convention).
/// Training MACs add the backward products: each requested gradient of a product's
/// data or weight operand costs one forward's MACs (dX and dW of a conv), so a layer
/// whose input needs no gradient (the stem) costs 2x, others 3x.
public struct PlanReport: Sendable {
    public struct Row: Sendable {
        public var name: String
        public var kernel: String
        public var output: String
        public var parameters: Int
        public var macs: Int
    }

    public var rows: [Row] = []
    public var parameters = 0
    public var trainableParameters = 0
    public var forwardMACs = 0
    public var trainingMACs = 0
    public var deployParameters = 0
    public var deployMACs = 0
    public var trainArenaBytes = 0
    public var evalArenaBytes = 0
    public var deployArenaBytes = 0
    public var persistentBytes = 0
    public var batch = 1

    public init(_ plans: ExperimentPlans) {
        let graph = plans.memory.graph
        batch = max(graph[plans.experiment.input].spec.shape[0], 1)
        func paramCount(_ node: GraphNode) -> Int {
            node.inputs.filter { if case .parameter = graph[$0].role { true } else { false } }.reduce(0) { $0 + graph[$1].spec.shape.count }
        }
        for step in plans.train.steps {
            guard let n = step.node else { continue }
            let node = graph.nodes[n]
            switch step.kind {
            case .forward:
                rows.append(Row(name: node.name, kernel: node.kernelName, output: graph[node.outputs[0]].spec.description,
                                parameters: paramCount(node), macs: node.kernel.macs / batch))
                forwardMACs += node.kernel.macs / batch
                trainingMACs += node.kernel.macs / batch
            case .backward:
                let products = step.call.inputGrads.prefix(2).filter { $0 != nil }.count
                trainingMACs += node.kernel.macs / batch * products
            default: break
            }
        }
        parameters = graph.parameters.reduce(0) { $0 + graph[$1].spec.shape.count }
        trainableParameters = graph.parameters.filter(graph.isTrainable).reduce(0) { $0 + graph[$1].spec.shape.count }
        var deployParams = Set<ValueID>()
        for step in plans.deploy.steps where step.kind == .forward {
            let node = graph.nodes[step.node!]
            deployMACs += node.kernel.macs / batch
            for v in node.inputs { if case .parameter = graph[v].role { deployParams.insert(v) } }
        }
        deployParameters = deployParams.reduce(0) { $0 + graph[$1].spec.shape.count }
        trainArenaBytes = plans.train.transientBytes
        evalArenaBytes = plans.eval.transientBytes
        deployArenaBytes = plans.deploy.transientBytes
        persistentBytes = plans.memory.parameters.byteCount + plans.memory.gradients.byteCount + plans.memory.states.byteCount
    }

    /// The table and totals as text.
    public func render() -> String {
        let widths = [max(4, rows.map(\.name.count).max() ?? 0), max(6, rows.map(\.kernel.count).max() ?? 0),
                      max(6, rows.map(\.output.count).max() ?? 0)]
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func lpad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var out = pad("op", widths[0]) + "  " + pad("kernel", widths[1]) + "  " + pad("output", widths[2]) + "  "
            + lpad("params", 10) + "  " + lpad("MACs/image", 12) + "\n"
        for r in rows {
            out += pad(r.name, widths[0]) + "  " + pad(r.kernel, widths[1]) + "  " + pad(r.output, widths[2]) + "  "
                + lpad(r.parameters == 0 ? "" : String(r.parameters), 10) + "  " + lpad(r.macs == 0 ? "" : String(r.macs), 12) + "\n"
        }
        out += "\n"
        out += "parameters        \(Self.count(parameters)) (\(parameters)), trainable \(trainableParameters)\n"
        out += "                  \(pad("training", 22))deployed model\n"
        out += "params            \(pad(String(parameters), 22))\(deployParameters)\n"
        out += "MACs/image fwd    \(pad(Self.count(forwardMACs), 22))\(Self.count(deployMACs))\n"
        out += "MACs/image train  \(Self.count(trainingMACs)) (forward + backward products)\n"
        out += "arena bytes       \(pad("\(trainArenaBytes) (\(Self.bytes(trainArenaBytes)))", 22))\(deployArenaBytes) (\(Self.bytes(deployArenaBytes)))\n"
        out += "eval arena        \(evalArenaBytes) (\(Self.bytes(evalArenaBytes))); persistent \(persistentBytes) (\(Self.bytes(persistentBytes))) at batch \(batch)\n"
        return out
    }

    static func count(_ n: Int) -> String {
        n >= 1_000_000 ? String(format: "%.2fM", Double(n) / 1e6) : n >= 1000 ? String(format: "%.1fK", Double(n) / 1e3) : "\(n)"
    }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 20 ? String(format: "%.1f MiB", Double(n) / 1048576) : String(format: "%.1f KiB", Double(n) / 1024)
    }
}
