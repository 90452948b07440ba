/// Owns an optimizer's per-element state buffers (zero-initialised, `count` floats each,
/// laid out like the flat parameters) and the `OptimizerState` that points at them.
public final class OptimizerMemory: @unchecked Sendable {
    public var state: OptimizerState

    /// One buffer per name in `stateNames`, each of `count` floats.
    public init(stateNames: [String], count: Int) {
        state = OptimizerState(
            buffers: stateNames.map { _ in
                let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
                p.initialize(repeating: 0, count: max(count, 1))
                return p
            })
    }

    deinit { state.buffers.forEach { $0.deallocate() } }
}
