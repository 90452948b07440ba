import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// The `resnet8_one` cases of the golden `models/` folder: one whole ONE training step
/// (forward in training mode, the `one` loss, backward, Nesterov SGD) through the plan of
/// a spec written with `method: {name: one, ...}`; the spec's widths, branch count,
/// classes, image size and batch come from `attrs`. Every parameter name of the file
/// (`branch.{k}.layer3.0...`, `branch.{k}.fc`, `gate.fc`, `gate.bn`) must be the graph's.
@Suite struct ONEModelStepTests {
    static let cases = GoldenFiles.cases(in: "models").filter { (try? GoldenCase($0).attrs["model"]) == .string("resnet8_one") }

    @Test func casesExist() { #expect(!Self.cases.isEmpty) }

    @Test(arguments: cases)
    func oneStep(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        var attrs = try StrictAttrs(golden.attrs, path: file.label)
        try attrs.expect("model", .string("resnet8_one"))
        let channels = try attrs.int("in_chans"), size = try attrs.ints("image_size"), classes = try attrs.int("num_classes")
        let batch = try attrs.int("batch"), widths = try attrs.ints("widths"), blocks = try attrs.ints("blocks_per_stage")
        guard size.count == 2, size[0] == size[1], blocks.count == 3, Set(blocks).count == 1 else {
            throw GoldenError("\(file.label): needs a square image and equal blocks per stage")
        }
        try attrs.expect("strides", .array([.int(1), .int(2), .int(2)]))
        try attrs.expect("block", .string("basic"))
        try attrs.expect("shortcut", .string("conv1x1_bn"))
        try attrs.expect("stem", .object([("kernel", .int(3)), ("stride", .int(1)), ("padding", .int(1)), ("bias", .bool(false))]))
        try attrs.expect("batchnorm", .object([("eps", .double(1e-5)), ("momentum", .double(0.1)), ("training", .bool(true))]))
        var method = try attrs.object("method")
        try method.expect("name", .string("one"))
        let branches = try method.int("branches")
        try method.expect("branch_point", .string("layer2"))
        try method.expect(
            "gate",
            .object([
                ("input", .string("global_mean")), ("fc_bias", .bool(true)), ("norm", .string("batchnorm1d")),
                ("activation", .string("relu")), ("output", .string("softmax")),
            ]))
        try method.finish()
        var loss = try attrs.object("loss")
        try loss.expect("name", .string("one"))
        let temperature = try loss.double("temperature"), teacherEps = try loss.double("teacher_eps")
        try loss.expect("teacher_detached", .bool(true))
        let rampWeight = try loss.double("ramp_weight")
        try loss.finish()
        guard case var .object(optimizer) = try attrs.take("optimizer") else { throw GoldenError("\(file.label): optimizer") }
        optimizer.removeAll { $0.key == "doc" || $0.key == "name" }
        guard let before = optimizer.firstIndex(where: { $0.key == "step_before" }), optimizer[before].value == .int(0) else {
            throw GoldenError("\(file.label): only a first SGD step is supported")
        }
        optimizer.remove(at: before)
        let zeroGrads = Set(try attrs.strings("identically_zero_grads", optional: true))
        try attrs.finish()

        // The spec, through the whole front end.
        let spec = """
            schema: canopy/1
            method: {name: one, branches: \(branches), from: stage2, temperature: \(temperature), teacher_eps: \(teacherEps)}
            data:
              dataset: synthetic
              batch_size: \(batch)
              synthetic: {channels: \(channels), size: \(size[0]), classes: \(classes)}
            model:
              backbone: {name: resnet_cifar, depth: \(6 * blocks[0] + 2), widths: [\(widths.map(String.init).joined(separator: ", "))]}
            optimizer: {name: sgd}
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("one-step-\(UUID().uuidString).yaml").path
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let diagnostics = DiagnosticEngine()
        let experiment = try #require(
            SpecFrontEnd.compile(path, plugins: try BuiltInPlugins.set(), diagnostics: diagnostics),
            "\(diagnostics.diagnostics.map(\.message))")
        let graph = experiment.graph
        let fileParams = Set(golden.file.names.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst(6)) })
        let graphParams = Set(graph.parameters.map { graph[$0].name })
        #expect(
            fileParams == graphParams,
            "only in the file \(fileParams.subtracting(graphParams).sorted()), only in the graph \(graphParams.subtracting(fileParams).sorted())")

        let branchLogits = (0..<branches).map { experiment.values["branch[\($0)].logits"]! }
        let gateWeights = try #require(experiment.values["gate.weights"]), ensemble = try #require(experiment.values["gate.logits"])
        let memory = ModelMemory(graph: graph)
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: experiment.losses.map(\.value) + branchLogits + [gateWeights, ensemble])
        for (name, tensor) in memory.namedTensors {
            try golden.load((golden.has("param.\(name)") ? "param." : "state.") + name, into: tensor)
        }
        try golden.load("in.x", into: try #require(plan.output(experiment.input)))
        try golden.load("in.target", into: try #require(plan.output(experiment.target)))
        var weights: [Double] = []
        for term in experiment.losses {
            let w: Double
            switch term.weight {
            case let .constant(c): w = c
            case let .ramp(max, _): w = max * rampWeight
            case .linear: throw GoldenError("unexpected linear weight")
            }
            weights.append(w)
            plan.setLossWeight(slot: term.slot, Float(w))
        }
        plan.run()

        var errors: [(String, Double)] = []
        func out(_ v: ValueID) throws -> [Float] { try #require(plan.output(v)).toArray() }
        let terms = try experiment.losses.map { Double(try out($0.value)[0]) }
        func group(_ name: String) -> [Float] {
            zip(experiment.losses, terms).filter { $0.0.name == name || $0.0.name.hasPrefix(name + "[") }.map { Float($0.1) }
        }
        errors.append(("out.loss", golden.relativeError("out.loss", [Float(zip(weights, terms).map(*).reduce(0, +))])))
        for name in ["ce_branches", "ce_ensemble", "kl_branches"] { errors.append(("out.\(name)", golden.relativeError("out.\(name)", group(name)))) }
        errors.append(("out.branch_logits", golden.relativeError("out.branch_logits", try branchLogits.flatMap(out))))
        errors.append(("out.gate_weights", golden.relativeError("out.gate_weights", try out(gateWeights))))
        errors.append(("out.ensemble_logits", golden.relativeError("out.ensemble_logits", try out(ensemble))))
        for v in graph.parameters {
            let name = graph[v].name
            if zeroGrads.contains("grad.\(name)") { continue }
            errors.append(("grad.\(name)", golden.relativeError("grad.\(name)", try #require(memory.gradient(v)).toArray())))
        }

        let sgd = try SGD.make(.object(optimizer))
        let momentum = UnsafeMutablePointer<Float>.allocate(capacity: memory.trainableCount)
        defer { momentum.deallocate() }
        momentum.initialize(repeating: 0, count: memory.trainableCount)
        var state = OptimizerState(buffers: sgd.stateNames.map { _ in momentum })
        sgd.step(
            FlatParameters(
                values: memory.parameters.base.assumingMemoryBound(to: Float.self),
                grads: memory.gradients.base.assumingMemoryBound(to: Float.self), count: memory.trainableCount),
            state: &state, lr: sgd.learningRate)
        for (name, tensor) in memory.namedTensors { errors.append(("out.\(name)", golden.relativeError("out.\(name)", tensor.toArray()))) }
        for (name, error) in errors {
            #expect(error <= golden.tolerance, "\(file.label) \(name): relative error \(error) > \(golden.tolerance)")
        }
        #expect(golden.unused.isEmpty, "\(file.label): tensors not checked: \(golden.unused)")
        let worst = errors.max { $0.1 < $1.1 } ?? ("", 0)
        print("ONE step golden \(file.label): max relative L2 error \(worst.1) (\(worst.0))")
    }
}
