import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Testing

/// Checks every whole-step golden test shares.
extension GoldenCase {
    /// Expects the file's `param.<name>` tensors to name exactly the graph's parameters.
    func expectParameters(of graph: Graph) {
        let fileParams = Set(file.names.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst(6)) })
        let graphParams = Set(graph.parameters.map { graph[$0].name })
        #expect(
            fileParams == graphParams,
            "only in the file \(fileParams.subtracting(graphParams).sorted()), only in the graph \(graphParams.subtracting(fileParams).sorted())")
    }

    /// How every whole-step golden check ends: one SGD step with the file's params
    /// (`sgd`, without `name`) on the gradients the step left in `memory`, each updated
    /// tensor compared with the file's `out.<name>`, every error in `errors` held to the
    /// file's tolerance, no tensor of the file left unchecked, and the worst error printed
    /// under `label`.
    func checkSGDUpdate(
        _ memory: ModelMemory, sgd params: [(key: String, value: ParamValue)], errors: [(String, Double)], label: String
    ) throws {
        let sgd = try SGD.make(.object(params))
        let count = memory.trainableCount
        let buffers = sgd.stateNames.map { _ in UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1)) }
        defer { buffers.forEach { $0.deallocate() } }
        for buffer in buffers { buffer.initialize(repeating: 0, count: count) }
        var state = OptimizerState(buffers: buffers)
        sgd.step(
            FlatParameters(
                values: memory.parameters.base.assumingMemoryBound(to: Float.self),
                grads: memory.gradients.base.assumingMemoryBound(to: Float.self), count: count),
            state: &state, lr: sgd.learningRate)
        var errors = errors
        for (name, tensor) in memory.namedTensors { errors.append(("out.\(name)", relativeError("out.\(name)", tensor.toArray()))) }
        for (name, error) in errors {
            #expect(error <= tolerance, "\(label) \(name): relative error \(error) > \(tolerance)")
        }
        #expect(unused.isEmpty, "\(label): tensors not checked: \(unused)")
        let worst = errors.max { $0.1 < $1.1 } ?? ("", 0)
        print("\(label): max relative L2 error \(worst.1) (\(worst.0))")
    }
}
