import CanopyRuntime
import CanopySpecs

/// The deployed model of an experiment: the parameters and running statistics its
/// output needs (peer branches pruned), named as the plain backbone's state_dict (the
/// deployed branch's `branch.K.` prefix stripped), so the file loads into the plain
/// PyTorch network with strict=True.
public struct DeployedModel {
    public let plans: ExperimentPlans

    public init(_ plans: ExperimentPlans) { self.plans = plans }

    /// State_dict names of the model's tensors the deployed plan reads.
    public var tensorNames: Set<String> {
        let graph = plans.memory.graph
        var names = Set<String>()
        for case let .forward(n, _) in plans.deploy.steps {
            let node = graph.nodes[n]
            for v in node.inputs { if case .parameter = graph[v].role { names.insert(graph[v].name) } }
            for s in node.states { names.insert(graph.states[s].name) }
        }
        return names
    }

    /// The exported name of a model tensor.
    public func exportName(_ name: String) -> String {
        if let prefix = plans.experiment.deployPrefix, name.hasPrefix(prefix) { return String(name.dropFirst(prefix.count)) }
        return name
    }

    /// Writes the deployed model's tensors to `path` atomically, with the spec's hash in
    /// the metadata.
    public func write(to path: String, batchesTracked: Int = 0) throws {
        var writer = SafetensorsWriter(metadata: [
            "format": "pt", "canopy": "deployed model of \(plans.experiment.spec.name)",
            "spec_hash": plans.experiment.specHash,
        ])
        try Checkpoint.addModel(&writer, memory: plans.memory, rename: exportName, batchesTracked: batchesTracked, only: tensorNames)
        try writer.write(to: path)
    }
}
