import CanopyRuntime
import Foundation

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

    /// The report of allocated plans.
    public init(_ plans: ExperimentPlans) { self.init(plans.experiment, layout: plans.layout) }

    /// The report of an experiment's layout (nothing is allocated).
    public init(_ experiment: CompiledExperiment, layout: ExperimentLayout) {
        let graph = experiment.graph
        batch = max(graph[experiment.input].spec.shape[0], 1)
        func paramCount(_ node: GraphNode) -> Int {
            node.inputs.filter { if case .parameter = graph[$0].role { true } else { false } }.reduce(0) { $0 + graph[$1].spec.shape.count }
        }
        for step in layout.train.steps {
            switch step {
            case let .forward(n):
                let node = graph.nodes[n]
                rows.append(
                    Row(
                        name: node.name, kernel: node.kernelName, output: graph[node.outputs[0]].spec.description,
                        parameters: paramCount(node), macs: node.kernel.macs / batch))
                forwardMACs += node.kernel.macs / batch
                trainingMACs += node.kernel.macs / batch
            case let .backward(n, inputGradients):
                // Each requested gradient of a product's data or weight operand (inputs 0 and 1).
                trainingMACs += graph.nodes[n].kernel.macs / batch * inputGradients.filter { $0 < 2 }.count
            default: break
            }
        }
        parameters = graph.parameters.reduce(0) { $0 + graph[$1].spec.shape.count }
        trainableParameters = graph.parameters.filter(graph.isTrainable).reduce(0) { $0 + graph[$1].spec.shape.count }
        var deployParams = Set<ValueID>()
        for case let .forward(n) in layout.deploy.steps {
            let node = graph.nodes[n]
            deployMACs += node.kernel.macs / batch
            for v in node.inputs { if case .parameter = graph[v].role { deployParams.insert(v) } }
        }
        deployParameters = deployParams.reduce(0) { $0 + graph[$1].spec.shape.count }
        trainArenaBytes = layout.train.transientBytes
        evalArenaBytes = layout.eval.transientBytes
        deployArenaBytes = layout.deploy.transientBytes
        persistentBytes = layout.persistentBytes
    }

    /// The table and totals as text.
    public func render() -> String {
        let widths = [
            max(4, rows.map(\.name.count).max() ?? 0), max(6, rows.map(\.kernel.count).max() ?? 0),
            max(6, rows.map(\.output.count).max() ?? 0),
        ]
        func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        /// The training column of the totals: 22 wide, and at least two spaces before the deployed column.
        func training(_ s: String) -> String { s.count + 2 > 22 ? s + "  " : pad(s, 22) }
        func lpad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var out =
            pad("op", widths[0]) + "  " + pad("kernel", widths[1]) + "  " + pad("output", widths[2]) + "  "
            + lpad("params", 10) + "  " + lpad("MACs/image", 12) + "\n"
        for r in rows {
            out +=
                pad(r.name, widths[0]) + "  " + pad(r.kernel, widths[1]) + "  " + pad(r.output, widths[2]) + "  "
                + lpad(r.parameters == 0 ? "" : String(r.parameters), 10) + "  " + lpad(r.macs == 0 ? "" : String(r.macs), 12) + "\n"
        }
        out += "\n"
        out += "parameters        \(Self.count(parameters)) (\(parameters)), trainable \(trainableParameters)\n"
        out += "                  \(training("training"))deployed model\n"
        out += "params            \(training(String(parameters)))\(deployParameters)\n"
        out += "MACs/image fwd    \(training(Self.count(forwardMACs)))\(Self.count(deployMACs))\n"
        out += "MACs/image train  \(Self.count(trainingMACs)) (forward + backward products)\n"
        out +=
            "arena bytes       \(training("\(trainArenaBytes) (\(Self.bytes(trainArenaBytes)))"))\(deployArenaBytes) (\(Self.bytes(deployArenaBytes)))\n"
        out +=
            "eval arena        \(evalArenaBytes) (\(Self.bytes(evalArenaBytes))); persistent \(persistentBytes) (\(Self.bytes(persistentBytes))) at batch \(batch)\n"
        return out
    }

    static func count(_ n: Int) -> String {
        n >= 1_000_000 ? String(format: "%.2fM", Double(n) / 1e6) : n >= 1000 ? String(format: "%.1fK", Double(n) / 1e3) : "\(n)"
    }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 20 ? String(format: "%.1f MiB", Double(n) / 1_048_576) : String(format: "%.1f KiB", Double(n) / 1024)
    }
}
