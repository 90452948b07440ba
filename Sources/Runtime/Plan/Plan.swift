import Dispatch

/// A compiled, static execution plan: a flat array of steps over pre-placed memory.
/// Running it is a loop over the array; nothing is allocated while it runs.
public final class Plan: @unchecked Sendable {
    /// What a plan computes.
    public enum Purpose: String, Sendable {
        /// Forward in training mode, losses, backward into the gradient buffers.
        case train
        /// Forward in evaluation mode (running statistics, no state updates).
        case eval
    }

    /// One entry of the schedule.
    public struct Step: @unchecked Sendable {
        public enum Kind: Sendable, Equatable {
            case forward
            case backward
            /// Zeroes the gradient buffer in `call.outputs[0]` before its first accumulation.
            case zero
            /// Sets `call.outputs[0]` (a loss gradient) to the weight in scalar slot `slot`.
            case seed(slot: Int)
            /// Zeroes every parameter gradient.
            case zeroParameterGradients
        }
        public var kind: Kind
        /// The graph node, for kernel steps.
        public var node: Int?
        public var call: KernelCall
    }

    /// One transient buffer as the memory pass placed it (for `canopy plan --dump memory`).
    public struct Placement: Sendable {
        public var what: String
        public var offset: Int
        public var bytes: Int
        public var firstStep: Int
        public var lastStep: Int
    }

    public let purpose: Purpose
    /// Every transient buffer with its offset and lifetime.
    public let placements: [Placement]
    public let memory: ModelMemory
    public let steps: [Step]
    /// Bytes of the transient arena (activations, their gradients, workspaces), placed by lifetime.
    public let transientBytes: Int
    private let arena: Arena
    private let valueTensors: [ValueID: Tensor]
    private let scalars: UnsafeMutablePointer<Float>

    init(purpose: Purpose, memory: ModelMemory, steps: [Step], arena: Arena, valueTensors: [ValueID: Tensor],
         scalars: UnsafeMutablePointer<Float>, placements: [Placement]) {
        self.purpose = purpose
        self.placements = placements
        self.memory = memory
        self.steps = steps
        self.arena = arena
        self.transientBytes = arena.byteCount
        self.valueTensors = valueTensors
        self.scalars = scalars
    }

    deinit { scalars.deallocate() }

    public var graph: Graph { memory.graph }

    /// The memory of input `name` (fill it before `run`).
    public func input(_ name: String) -> Tensor? { graph.value(named: name).flatMap { valueTensors[$0] } }

    /// The memory of a value kept alive to the end of the plan (a requested output or a loss).
    public func output(_ v: ValueID) -> Tensor? { valueTensors[v] }

    /// The memory of the value named `name`, if this plan keeps it.
    public func output(_ name: String) -> Tensor? { graph.value(named: name).flatMap { valueTensors[$0] } }

    /// Sets the weight of loss term `slot` for the following runs (scheduled weights change it per epoch).
    public func setLossWeight(slot: Int, _ weight: Float) { scalars[slot] = weight }

    /// Executes every step once.
    public func run() {
        for step in steps { execute(step) }
    }

    /// Executes every step once, adding each step's wall time (nanoseconds) to
    /// `profile` under "<kernel> forward" / "<kernel> backward" / the step kind.
    public func run(profile: inout [String: UInt64]) {
        for step in steps {
            let t0 = DispatchTime.now().uptimeNanoseconds
            execute(step)
            let key: String
            switch step.kind {
            case .forward: key = graph.nodes[step.node!].kernelName + " forward"
            case .backward: key = graph.nodes[step.node!].kernelName + " backward"
            default: key = "zero/seed"
            }
            profile[key, default: 0] += DispatchTime.now().uptimeNanoseconds - t0
        }
    }

    @inline(__always)
    private func execute(_ step: Step) {
            switch step.kind {
            case .forward: graph.nodes[step.node!].kernel.forward(step.call)
            case .backward: graph.nodes[step.node!].kernel.backward(step.call)
            case .zero: step.call.outputs[0].zero()
            case let .seed(slot): step.call.outputs[0].f[0] = scalars[slot]
            case .zeroParameterGradients:
                memory.gradients.base.initializeMemory(as: UInt8.self, repeating: 0, count: memory.gradients.byteCount)
            }
    }
}
