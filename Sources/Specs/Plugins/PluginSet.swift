import CanopyRuntime

/// Every plugin a compilation can use, by kind. The CLI composes the built-in set
/// (`BuiltInPlugins.all` in CanopyPlugins); a researcher's package adds its own.
public struct PluginSet: Sendable {
    public var kernels: KernelRegistry
    public var backbones = Registry<any BackbonePlugin.Type>(kind: "backbone")
    public var losses = Registry<any LossPlugin.Type>(kind: "loss")
    public var metrics = Registry<any MetricPlugin.Type>(kind: "metric")
    public var modules = Registry<any ModulePlugin.Type>(kind: "module")
    public var methods = Registry<any MethodPlugin.Type>(kind: "method")
    public var optimizers = Registry<any Optimizer.Type>(kind: "optimizer")
    public var schedules = Registry<any LRSchedule.Type>(kind: "schedule")
    public var datasets = Registry<any DatasetPlugin.Type>(kind: "dataset")

    public init(kernels: KernelRegistry) { self.kernels = kernels }

    /// Registers one plugin type of any kind; throws on a duplicate name.
    public mutating func register(_ plugin: Any.Type) throws(RegistryError) {
        let typeName = String(describing: plugin)
        switch plugin {
        case let k as any Kernel.Type: try kernels.register(k)
        case let p as any BackbonePlugin.Type: try backbones.register(p.name, p, typeName: typeName)
        case let p as any LossPlugin.Type: try losses.register(p.name, p, typeName: typeName)
        case let p as any MetricPlugin.Type: try metrics.register(p.name, p, typeName: typeName)
        case let p as any ModulePlugin.Type: try modules.register(p.name, p, typeName: typeName)
        case let p as any MethodPlugin.Type: try methods.register(p.name, p, typeName: typeName)
        case let p as any Optimizer.Type: try optimizers.register(p.name, p, typeName: typeName)
        case let p as any LRSchedule.Type: try schedules.register(p.name, p, typeName: typeName)
        case let p as any DatasetPlugin.Type: try datasets.register(p.name, p, typeName: typeName)
        default: throw RegistryError.unknown(kind: "plugin kind", name: typeName, suggestion: nil, known: [])
        }
    }

    /// Every plugin with its kind, name, summary, parameters and extra facts, for `canopy plugins`.
    public var descriptions: [PluginDescription] {
        kernels.registry.all.map { _, k in
            PluginDescription(
                kind: "kernel", name: k.name, summary: k.summary, parameters: k.parameters,
                facts: ["inputs": k.inputNames.joined(separator: ", "), "outputs": k.outputNames.joined(separator: ", ")]
                    .merging(k.stateNames.isEmpty ? [:] : ["state": k.stateNames.joined(separator: ", ")]) { a, _ in a })
        }
            + backbones.all.map { PluginDescription(kind: "backbone", name: $0.name, summary: $0.entry.summary, parameters: $0.entry.parameters) }
            + losses.all.map {
                PluginDescription(
                    kind: "loss", name: $0.name, summary: $0.entry.summary, parameters: $0.entry.parameters,
                    facts: ["inputs": $0.entry.inputNames.joined(separator: ", ")])
            }
            + metrics.all.map { PluginDescription(kind: "metric", name: $0.name, summary: $0.entry.summary, parameters: $0.entry.parameters) }
            + modules.all.map {
                PluginDescription(
                    kind: "module", name: $0.name, summary: $0.entry.summary, parameters: $0.entry.parameters,
                    facts: [
                        "inputs": $0.entry.inputNames.joined(separator: ", "),
                        "outputs": $0.entry.outputNames.joined(separator: ", "),
                    ])
            }
            + methods.all.map { PluginDescription(kind: "method", name: $0.name, summary: $0.entry.summary, parameters: $0.entry.parameters) }
            + optimizers.all.map { PluginDescription(kind: "optimizer", name: $0.name, summary: $0.entry.summary, parameters: $0.entry.parameters) }
            + schedules.all.map { PluginDescription(kind: "schedule", name: $0.name, summary: $0.entry.summary, parameters: $0.entry.parameters) }
            + datasets.all.map { name, entry in
                // The shape a dataset has with its default params, when it has defaults for all.
                let facts = (try? entry.make(.empty)).map { ["data": $0.facts.summary] } ?? [:]
                return PluginDescription(
                    kind: "dataset", name: name, summary: entry.summary, parameters: entry.parameters,
                    facts: facts)
            }
    }
}

/// What `canopy plugins` prints about one plugin.
public struct PluginDescription: Sendable {
    public var kind: String
    public var name: String
    public var summary: String
    public var parameters: [ParameterDoc]
    /// Extra facts such as input and output names.
    public var facts: [String: String]

    public init(kind: String, name: String, summary: String, parameters: [ParameterDoc], facts: [String: String] = [:]) {
        self.kind = kind
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.facts = facts
    }
}
