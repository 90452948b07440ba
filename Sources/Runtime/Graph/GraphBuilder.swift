/// Builds a `Graph` node by node. Backbone, branch, loss and method plugins emit their
/// subgraphs through it. Problems (unknown kernel, bad params, shape mismatch) are
/// collected with the origin that was current, and building goes on: values produced
/// by a failed node are marked poisoned, and nodes fed by poisoned values are skipped
/// quietly, so one mistake gives one error.
public struct GraphBuilder {
    public private(set) var graph = Graph()
    public let kernels: KernelRegistry
    /// The thread count of the plans built from this graph: every kernel is built for it.
    public let threads: Int
    /// Every problem found so far.
    public private(set) var errors: [GraphError] = []
    /// The origin attached to what is created next.
    public var origin: Origin?
    /// Whether nodes created next always run in evaluation mode (a frozen teacher).
    public var evalMode = false
    /// Prepended to the name of every value created next (a named network's `net_t.`), so
    /// one backbone emits each of several networks under its own state_dict prefix.
    public var namePrefix = ""
    private var poisoned: Set<ValueID> = []

    /// A builder whose kernels are built for plans on `threads` threads.
    public init(kernels: KernelRegistry, threads: Int = 1) {
        self.kernels = kernels
        self.threads = max(1, threads)
        Parallel.pinBLASToOneThread()
    }

    /// Whether `v` comes from a failed node (its spec is meaningless).
    public func isPoisoned(_ v: ValueID) -> Bool { poisoned.contains(v) }

    /// A poisoned stand-in named `name` for a value that a part which failed to build
    /// would have produced (its error is reported already): nodes fed by it are skipped
    /// quietly, like those fed by a failed node.
    public mutating func poisonedValue(_ name: String) -> ValueID { poisonedOutputs(name: name, count: 1)[0] }

    /// The spec of `v`.
    public func spec(_ v: ValueID) -> TensorSpec { graph[v].spec }

    /// Records a problem at the current origin (for plugins' own checks).
    public mutating func error(_ message: String, at origin: Origin? = nil) {
        errors.append(GraphError(message: message, origin: origin ?? self.origin))
    }

    /// Adds a value fed from outside for each batch.
    public mutating func input(_ name: String, _ spec: TensorSpec) -> ValueID {
        addValue(GraphValue(name: name, spec: spec, role: .input, producer: nil, origin: origin))
    }

    /// Adds a parameter stored under the state_dict name `name`.
    public mutating func parameter(_ name: String, _ shape: Shape, _ initializer: Initializer, trainable: Bool = true) -> ValueID {
        addValue(
            GraphValue(
                name: name, spec: TensorSpec(shape), role: .parameter(initializer, trainable: trainable),
                producer: nil, origin: origin))
    }

    /// Applies kernel `kernelName` to `inputs`. The first output is named `name`, further
    /// outputs `name.<outputName>`; state buffers are `name.<stateName>`.
    @discardableResult
    public mutating func apply(
        _ kernelName: String, name: String, params: ParamValue = .empty, inputs: [ValueID],
        detached: Set<Int> = []
    ) -> [ValueID] {
        let type: any Kernel.Type
        do { type = try kernels.type(named: kernelName) } catch {
            errors.append(GraphError(message: error.description, origin: origin))
            return poisonedOutputs(name: name, count: 1)
        }
        if inputs.contains(where: poisoned.contains) { return poisonedOutputs(name: name, count: type.outputNames.count) }
        let kernel: any Kernel
        do {
            kernel = try KernelRegistry.make(type, params: params, inputs: inputs.map { graph[$0].spec }, threads: threads)
        } catch {
            var message = "\(name): \(error)"
            var producer: Origin?
            if case let .kernel(k) = error, let i = k.input, i < inputs.count {
                let v = graph[inputs[i]]
                message = "\(name): \(k.message) (input '\(type.inputNames[i])' is \(v.name) \(v.spec))"
                producer = v.origin
            }
            errors.append(GraphError(message: message, origin: origin, producerOrigin: producer, params: paramsError(error)))
            return poisonedOutputs(name: name, count: type.outputNames.count)
        }
        let nodeIndex = graph.nodes.count
        let outputs = kernel.outputs.enumerated().map { j, spec in
            addValue(
                GraphValue(
                    name: j == 0 ? name : "\(name).\(type.outputNames[j])", spec: spec, role: .activation,
                    producer: (nodeIndex, j), origin: origin))
        }
        let states = kernel.state.enumerated().map { j, spec in
            graph.states.append(
                GraphState(
                    name: "\(namePrefix)\(name).\(type.stateNames[j])", spec: spec,
                    initial: .constant(kernel.stateFill[j])))
            return graph.states.count - 1
        }
        graph.nodes.append(
            GraphNode(
                name: namePrefix + name, kernelName: kernelName, params: params, kernel: kernel, inputs: inputs,
                detached: detached, outputs: outputs, states: states, origin: origin, evalMode: evalMode))
        return outputs
    }

    /// A copy of `v` through which no gradient flows back (`detach`). The copy keeps the
    /// origin of `v`, so a later shape error's note points at where the value was made.
    public mutating func detach(_ v: ValueID, name: String) -> ValueID {
        let current = origin
        defer { origin = current }
        origin = graph[v].origin ?? current
        return apply("identity", name: name, inputs: [v], detached: [0])[0]
    }

    /// Renames `v` (and the node producing it, when `v` is its only output) to `name`:
    /// the last value of an expression takes the name its caller asked for.
    mutating func rename(_ v: ValueID, to name: String) {
        graph.values[v.index].name = name
        if let (node, _) = graph.values[v.index].producer, graph.nodes[node].outputs == [v] {
            graph.nodes[node].name = name
        }
    }

    /// Applies kernel `K`, named by its type and given typed params, so a misspelt kernel
    /// or param does not compile. A wrong number of inputs is an error like any other:
    /// reported at the current origin, with poisoned outputs.
    @discardableResult
    public mutating func apply<K: Kernel>(
        _ kernel: K.Type, name: String, params: K.Params,
        inputs: [ValueID]
    ) -> [ValueID] where K.Params: Encodable {
        let most = K.inputNames.count, least = most - K.optionalInputs
        guard inputs.count >= least && inputs.count <= most else {
            let takes = least == most ? "\(most)" : "\(least) to \(most)"
            error("\(name): \(K.name) takes \(takes) inputs (\(K.inputNames.joined(separator: ", "))), given \(inputs.count)")
            return poisonedOutputs(name: name, count: K.outputNames.count)
        }
        return apply(K.name, name: name, params: ParamEncoder.encode(params), inputs: inputs)
    }

    /// Marks every parameter whose name starts with one of `prefixes` as not trainable;
    /// returns the prefixes that matched no parameter.
    public mutating func freeze(prefixes: [String]) -> [String] {
        var unmatched = Set(prefixes)
        for i in graph.values.indices {
            guard case let .parameter(initializer, _) = graph.values[i].role else { continue }
            for p in prefixes where graph.values[i].name.hasPrefix(p) {
                graph.values[i].role = .parameter(initializer, trainable: false)
                unmatched.remove(p)
            }
        }
        return prefixes.filter(unmatched.contains)
    }

    /// Declares `value` (a [1] float32 scalar) a loss term; returns the slot of its runtime weight.
    @discardableResult
    public mutating func addLoss(_ name: String, _ value: ValueID) -> Int {
        if !poisoned.contains(value) && graph[value].spec != TensorSpec([1]) {
            error("loss '\(name)' must be a [1] scalar, found \(graph[value].spec)")
        }
        graph.losses.append(GraphLoss(name: name, value: value, weightSlot: graph.scalarSlots))
        graph.scalarSlots += 1
        return graph.scalarSlots - 1
    }

    private mutating func addValue(_ v: GraphValue) -> ValueID {
        var v = v
        v.name = namePrefix + v.name
        graph.values.append(v)
        return ValueID(graph.values.count - 1)
    }

    private mutating func poisonedOutputs(name: String, count: Int) -> [ValueID] {
        (0..<max(count, 1)).map { j in
            let v = addValue(
                GraphValue(
                    name: j == 0 ? name : "\(name).\(j)", spec: TensorSpec([0]), role: .activation,
                    producer: nil, origin: origin))
            poisoned.insert(v)
            return v
        }
    }

    private func paramsError(_ e: KernelSetupError) -> ParamErrors? {
        if case let .params(p) = e { return p }
        return nil
    }
}

/// A problem found while building a graph, with where it came from and, for shape
/// mismatches, where the offending input was produced.
public struct GraphError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var origin: Origin?
    public var producerOrigin: Origin?
    /// The structured param errors, so the front end can point at the offending key.
    public var params: ParamErrors?

    public init(message: String, origin: Origin?, producerOrigin: Origin? = nil, params: ParamErrors? = nil) {
        self.message = message
        self.origin = origin
        self.producerOrigin = producerOrigin
        self.params = params
    }

    public var description: String { message }
}
