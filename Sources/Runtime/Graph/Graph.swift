/// The index of a value in a `Graph`.
public struct ValueID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let index: Int
    public init(_ index: Int) { self.index = index }
    public static func < (a: ValueID, b: ValueID) -> Bool { a.index < b.index }
    public var description: String { "%\(index)" }
}

/// Where a graph element came from, for messages: an opaque index the front end (the
/// spec compiler) maps back to a source position. Runtime code only carries it along.
public struct Origin: Hashable, Sendable {
    public let index: Int
    public init(_ index: Int) { self.index = index }
}

/// How a parameter is initialised.
public enum Initializer: Hashable, Sendable {
    case zeros
    case ones
    case constant(Float)
    /// N(0, std^2).
    case normal(std: Float)
    /// Kaiming normal with fan_out and ReLU gain: N(0, 2 / (out channels x kernel area)).
    case kaimingNormalFanOut
    /// PyTorch's default for conv/linear weights and biases: U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
    case uniformFanIn(fanIn: Int)
    /// Truncated normal N(0, std^2) cut at +-2 (absolute, as timm's trunc_normal_).
    case truncatedNormal(std: Float)
}

/// What a value is.
public enum ValueRole: Hashable, Sendable {
    /// Fed from outside for each batch (images, targets).
    case input
    /// A learned tensor, stored by its PyTorch state_dict name.
    case parameter(Initializer, trainable: Bool)
    /// Produced by a node.
    case activation
}

/// One value of the graph: an SSA tensor with a dotted name.
public struct GraphValue: Sendable {
    public var name: String
    public var spec: TensorSpec
    public var role: ValueRole
    /// The producing node and output index, for activations.
    public var producer: (node: Int, output: Int)?
    public var origin: Origin?
}

/// A persistent non-trainable buffer a node owns (BatchNorm running statistics), by
/// state_dict name, with its initial value.
public struct GraphState: Sendable {
    public var name: String
    public var spec: TensorSpec
    public var initial: Initializer
}

/// One kernel application.
public struct GraphNode: Sendable {
    public var name: String
    public var kernelName: String
    public var params: ParamValue
    public var kernel: any Kernel
    public var inputs: [ValueID]
    /// Inputs whose gradient is stopped at this node (`detach`).
    public var detached: Set<Int>
    public var outputs: [ValueID]
    /// Indices into `Graph.states`, one per `kernel.state` entry.
    public var states: [Int]
    public var origin: Origin?
    /// Always run in evaluation mode (a frozen teacher's BatchNorm uses its running statistics).
    public var evalMode = false
}

/// A weighted scalar loss term: its value and the slot of its runtime weight.
public struct GraphLoss: Sendable {
    public var name: String
    public var value: ValueID
    /// Index of the runtime scalar that holds this term's current weight.
    public var weightSlot: Int
}

/// A dataflow graph of kernel nodes over named values, in topological order (a node's
/// inputs are always produced by earlier nodes). It is a plain value: every compiler
/// pass reads one and returns a plan or another graph.
public struct Graph: Sendable {
    public internal(set) var values: [GraphValue] = []
    public internal(set) var nodes: [GraphNode] = []
    public internal(set) var states: [GraphState] = []
    public internal(set) var losses: [GraphLoss] = []
    /// Number of runtime scalar slots (loss weights).
    public internal(set) var scalarSlots = 0

    public init() {}

    public subscript(v: ValueID) -> GraphValue { values[v.index] }

    /// The value named `name`.
    public func value(named name: String) -> ValueID? {
        values.firstIndex { $0.name == name }.map(ValueID.init)
    }

    /// Every parameter value, in creation order.
    public var parameters: [ValueID] {
        values.indices.filter { if case .parameter = values[$0].role { return true } else { return false } }.map(ValueID.init)
    }

    /// Every input value, in creation order.
    public var inputs: [ValueID] {
        values.indices.filter { values[$0].role == .input }.map(ValueID.init)
    }

    /// Whether `v` is a parameter that trains.
    public func isTrainable(_ v: ValueID) -> Bool {
        if case .parameter(_, let trainable) = values[v.index].role { return trainable }
        return false
    }
}
