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

    /// One entry of the schedule, with the memory it works on.
    public enum Step: @unchecked Sendable {
        /// Runs graph node `node`'s forward on `call`.
        case forward(node: Int, KernelCall)
        /// Runs graph node `node`'s backward on `call` (input and output gradients bound).
        case backward(node: Int, KernelCall)
        /// Zeroes the gradient buffer of `value` before its first accumulation.
        case zero(value: ValueID, gradient: Tensor)
        /// Sets the gradient of loss `value` to the weight in scalar slot `slot`.
        case seed(value: ValueID, gradient: Tensor, slot: Int)
        /// Zeroes every parameter gradient.
        case zeroParameterGradients

        /// The graph node of a kernel step.
        public var node: Int? {
            switch self {
            case let .forward(n, _), let .backward(n, _): n
            case .zero, .seed, .zeroParameterGradients: nil
            }
        }
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

    init(
        purpose: Purpose, memory: ModelMemory, steps: [Step], arena: Arena, valueTensors: [ValueID: Tensor],
        scalars: UnsafeMutablePointer<Float>, placements: [Placement]
    ) {
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
            switch step {
            case let .forward(n, _): key = graph.nodes[n].kernelName + " forward"
            case let .backward(n, _): key = graph.nodes[n].kernelName + " backward"
            case .zero, .seed, .zeroParameterGradients: key = "zero/seed"
            }
            profile[key, default: 0] += DispatchTime.now().uptimeNanoseconds - t0
        }
    }

    @inline(__always)
    private func execute(_ step: Step) {
        switch step {
        case let .forward(n, call): graph.nodes[n].kernel.forward(call)
        case let .backward(n, call): graph.nodes[n].kernel.backward(call)
        case let .zero(_, gradient): gradient.zero()
        case let .seed(_, gradient, slot): gradient.f[0] = scalars[slot]
        case .zeroParameterGradients:
            memory.gradients.base.initializeMemory(as: UInt8.self, repeating: 0, count: memory.gradients.byteCount)
        }
    }
}
