import CanopyPlugins
import CanopyRuntime
import CanopyTestSupport
import Foundation
import Testing

/// Whole training steps (`op = model_step`) run through compiled plans: forward,
/// loss, backward, optimizer update; every logit, loss, gradient, parameter and
/// running statistic checked against the golden file. Data-driven: batch size, input
/// size, class count and depth come from the file.
@Suite struct ModelStepTests {
    /// Top-level model_step cases (plain backbones with cross-entropy).
    static let cases = GoldenFiles.cases(in: "").filter { (try? GoldenCase($0).op) == "model_step" }

    @Test func casesExist() { #expect(!Self.cases.isEmpty) }

    @Test(arguments: cases)
    func plainBackboneStep(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        var attrs = try AttrReader(golden.attrs)
        attrs.documentation("names")
        guard case let .string(model)? = attrs.take("model"),
            let depth = firstInt(after: "ResNet-", in: model), model.contains("basic blocks")
        else {
            throw GoldenError("\(file.label): unsupported model")
        }
        guard case .string("mean cross-entropy")? = attrs.take("loss") else { throw GoldenError("unsupported loss") }
        guard case let .string(optimizerText)? = attrs.take("optimizer") else { throw GoldenError("no optimizer") }
        try attrs.finish(op: golden.op)
        let optimizer = try SGD.make(try sgdParams(from: optimizerText))

        let x = try #require(golden.file["in.x"]), fc = try #require(golden.file["param.fc.weight"])
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        let input = b.input("x", TensorSpec(Shape(x.shape)))
        let target = b.input("target", TensorSpec([x.shape[0]], .int32))
        let logits = ResNetCIFAR(depth: depth, classes: fc.shape[0]).build(&b, input)
        let loss = b.apply("cross_entropy", name: "loss", inputs: [logits, target])[0]
        b.addLoss("ce", loss)
        #expect(b.errors.isEmpty, "\(b.errors)")

        let memory = ModelMemory(graph: b.graph)
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: [logits, loss])
        for (name, tensor) in memory.namedTensors {
            try golden.load((golden.has("param.\(name)") ? "param." : "state.") + name, into: tensor)
        }
        try golden.load("in.x", into: try #require(plan.input("x")))
        try golden.load("in.target", into: try #require(plan.input("target")))
        plan.run()

        var errors: [(String, Double)] = []
        errors.append(("out.logits", golden.relativeError("out.logits", try #require(plan.output(logits)).toArray())))
        errors.append(("out.loss", golden.relativeError("out.loss", try #require(plan.output(loss)).toArray())))
        for v in b.graph.parameters {
            let name = b.graph[v].name
            errors.append(("grad.\(name)", golden.relativeError("grad.\(name)", try #require(memory.gradient(v)).toArray())))
        }

        let momentum = UnsafeMutablePointer<Float>.allocate(capacity: memory.trainableCount)
        defer { momentum.deallocate() }
        momentum.initialize(repeating: 0, count: memory.trainableCount)
        var state = OptimizerState(buffers: optimizer.stateNames.map { _ in momentum })
        let params = memory.parameters.base.assumingMemoryBound(to: Float.self)
        let grads = memory.gradients.base.assumingMemoryBound(to: Float.self)
        optimizer.step(
            FlatParameters(values: params, grads: grads, count: memory.trainableCount), state: &state,
            lr: optimizer.learningRate)
        for (name, tensor) in memory.namedTensors {
            errors.append(("out.\(name)", golden.relativeError("out.\(name)", tensor.toArray())))
        }
        for (name, error) in errors {
            #expect(error <= golden.tolerance, "\(file.label) \(name): relative error \(error) > \(golden.tolerance)")
        }
        #expect(golden.unused.isEmpty, "\(file.label): tensors not checked: \(golden.unused)")
    }

    /// The first integer after `marker` in `text`.
    func firstInt(after marker: String, in text: String) -> Int? {
        guard let r = text.range(of: marker) else { return nil }
        return Int(text[r.upperBound...].prefix { $0.isNumber })
    }

    /// Reads "SGD lr 0.1 momentum 0.9 nesterov weight_decay 5e-4 (...)" into SGD params.
    func sgdParams(from text: String) throws -> ParamValue {
        let words = text.split(separator: "(")[0].split(separator: " ").map(String.init)
        guard words.first == "SGD" else { throw GoldenError("unsupported optimizer '\(text)'") }
        var pairs: [(key: String, value: ParamValue)] = []
        var i = 1
        while i < words.count {
            switch words[i] {
            case "nesterov":
                pairs.append(("nesterov", .bool(true)))
                i += 1
            case "lr", "momentum", "weight_decay":
                guard i + 1 < words.count, let v = Double(words[i + 1]) else { throw GoldenError("bad optimizer '\(text)'") }
                pairs.append((words[i], .double(v)))
                i += 2
            default: throw GoldenError("unknown optimizer word '\(words[i])'")
            }
        }
        return .object(pairs)
    }
}
