import CanopyRuntime
import Testing

/// Owns the flat buffers of an optimizer test and runs steps on them.
final class OptimizerHarness {
    let count: Int
    let values: UnsafeMutablePointer<Float>
    let grads: UnsafeMutablePointer<Float>
    let scale: UnsafeMutablePointer<Float>?
    var state: OptimizerState

    init(values: [Float], stateBuffers: Int, decayScale: [Float]? = nil) {
        count = values.count
        func buffer(_ initial: [Float]) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(initial.count, 1))
            p.initialize(from: initial, count: initial.count)
            return p
        }
        self.values = buffer(values)
        grads = buffer([Float](repeating: 0, count: values.count))
        scale = decayScale.map(buffer)
        state = OptimizerState(buffers: (0..<stateBuffers).map { _ in buffer([Float](repeating: 0, count: values.count)) })
    }

    deinit {
        values.deallocate()
        grads.deallocate()
        scale?.deallocate()
        state.buffers.forEach { $0.deallocate() }
    }

    /// One step with these gradients.
    func step(_ optimizer: some Optimizer, grads g: [Float], lr: Double) {
        grads.update(from: g, count: count)
        optimizer.step(FlatParameters(values: values, grads: grads, count: count, decayScale: scale), state: &state, lr: lr)
    }

    var currentValues: [Float] { Array(UnsafeBufferPointer(start: values, count: count)) }
    func buffer(_ i: Int) -> [Float] { Array(UnsafeBufferPointer(start: state.buffers[i], count: count)) }
}

/// Expects `actual` to equal `expected` elementwise within a relative tolerance.
func expectClose(
    _ actual: [Float], _ expected: [Double], relative: Double = 2e-6, _ what: String = "",
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, "\(what)", sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let ok = abs(Double(a) - e) <= relative * max(abs(e), 1e-3)
        #expect(ok, "\(what)[\(i)]: \(a) vs \(e)", sourceLocation: sourceLocation)
    }
}
