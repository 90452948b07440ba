/// The persistent memory of a model: every parameter in one flat float buffer
/// (trainable parameters first, in graph order), their gradients in a second flat
/// buffer with the same layout, and the state buffers (running statistics). Plans for
/// training, evaluation and deployment built from one graph share one `ModelMemory`.
/// The flat layout is what optimizers and a data-parallel all-reduce work on.
public final class ModelMemory: @unchecked Sendable {
    public let graph: Graph
    /// All parameters, trainable first.
    public let parameters: Arena
    /// Gradients of the trainable parameters (same offsets as in `parameters`).
    public let gradients: Arena
    public let states: Arena
    /// Floats of trainable parameters (the prefix of `parameters` that optimizers update).
    public let trainableCount: Int
    /// Floats of all parameters.
    public let parameterCount: Int
    private let parameterOffsets: [Int: Int]
    private let stateOffsets: [Int]

    public init(graph: Graph) {
        self.graph = graph
        var offsets: [Int: Int] = [:]
        var floats = 0, trainable = 0
        let params = graph.parameters
        for pass in [true, false] {
            for v in params where graph.isTrainable(v) == pass {
                offsets[v.index] = floats
                floats += ArenaPlanner.align(graph[v].spec.byteCount) / 4
            }
            if pass { trainable = floats }
        }
        trainableCount = trainable
        parameterCount = floats
        parameterOffsets = offsets
        parameters = Arena(byteCount: floats * 4)
        gradients = Arena(byteCount: trainableCount * 4)
        var stateBytes = 0
        stateOffsets = graph.states.map { s in
            defer { stateBytes += ArenaPlanner.align(s.spec.byteCount) }
            return stateBytes
        }
        states = Arena(byteCount: stateBytes)
    }

    /// Where parameter `v` starts in the flat parameter (and gradient) buffer, in floats.
    public func offset(of v: ValueID) -> Int { parameterOffsets[v.index]! }

    /// The memory of parameter `v`.
    public func parameter(_ v: ValueID) -> Tensor {
        parameters.tensor(at: parameterOffsets[v.index]! * 4, graph[v].spec)
    }

    /// The gradient of parameter `v`, when it trains.
    public func gradient(_ v: ValueID) -> Tensor? {
        guard graph.isTrainable(v) else { return nil }
        return gradients.tensor(at: parameterOffsets[v.index]! * 4, graph[v].spec)
    }

    /// The memory of state buffer `i` (an index into `graph.states`).
    public func state(_ i: Int) -> Tensor { states.tensor(at: stateOffsets[i], graph.states[i].spec) }

    /// Every parameter and state tensor by its state_dict name, parameters first.
    public var namedTensors: [(name: String, tensor: Tensor)] {
        graph.parameters.map { (graph[$0].name, parameter($0)) }
            + graph.states.indices.map { (graph.states[$0].name, state($0)) }
    }

    /// Parameter or state tensor by state_dict name.
    public func tensor(named name: String) -> Tensor? {
        if let v = graph.value(named: name), case .parameter = graph[v].role { return parameter(v) }
        return graph.states.firstIndex { $0.name == name }.map(state)
    }

    /// Fills every parameter and state buffer from its initializer; each parameter draws
    /// from its own stream derived from `seed` and its name.
    public func initialize(seed: UInt64) {
        for v in graph.parameters {
            guard case let .parameter(initializer, _) = graph[v].role else { continue }
            var rng = SeededRandom(seed: seed, stream: graph[v].name)
            Self.fill(parameter(v), initializer, &rng)
        }
        for i in graph.states.indices {
            var rng = SeededRandom(seed: seed, stream: graph.states[i].name)
            Self.fill(state(i), graph.states[i].initial, &rng)
        }
    }

    static func fill(_ t: Tensor, _ initializer: Initializer, _ rng: inout SeededRandom) {
        let p = t.f, n = t.count
        switch initializer {
        case .zeros: t.zero()
        case .ones: for i in 0..<n { p[i] = 1 }
        case let .constant(c): for i in 0..<n { p[i] = c }
        case let .normal(std): for i in 0..<n { p[i] = Float(rng.normal() * Double(std)) }
        case .kaimingNormalFanOut:
            let fanOut = t.shape[0] * (t.shape.rank > 2 ? t.shape.count(from: 2) : 1)
            let std = (2.0 / Double(fanOut)).squareRoot()
            for i in 0..<n { p[i] = Float(rng.normal() * std) }
        case let .uniformFanIn(fanIn):
            let bound = 1 / Double(max(fanIn, 1)).squareRoot()
            for i in 0..<n { p[i] = Float(rng.uniform(-bound, bound)) }
        case let .truncatedNormal(std):
            for i in 0..<n {
                var x: Double
                repeat { x = rng.normal() * Double(std) } while abs(x) > 2
                p[i] = Float(x)
            }
        }
    }
}
