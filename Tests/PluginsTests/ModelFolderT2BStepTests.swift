import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// The golden `models/` T2B steps (`model: resnet8_t2b`), the sibling of
/// `ModelFolderStepTests` for the method: a spec with `method: {name: t2b, ...}` is
/// written from `attrs` alone (branch count, kernels, width, classes, batch, T,
/// lambdas), compiled by the real front end, lowered to a training plan and run
/// (forward in training mode, every loss term, backward), then the file's SGD step.
/// Trunk and branch logits, branch features, every term, the loss, every gradient and
/// every parameter and running statistic after the step are checked.
@Suite struct ModelFolderT2BStepTests {
    static let cases = GoldenFiles.cases(in: "models").filter {
        guard let golden = try? GoldenCase($0), case let .object(pairs) = golden.attrs else { return false }
        return pairs.contains { $0.key == "model" && $0.value == .string("resnet8_t2b") }
    }

    @Test func caseExists() { #expect(!Self.cases.isEmpty) }

    @Test(arguments: cases)
    func t2bStep(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        var attrs = try StrictAttrs(golden.attrs, path: file.label)
        try attrs.expect("model", .string("resnet8_t2b"))
        let x = try #require(golden.file["in.x"])
        try attrs.expect("batch", .int(x.shape[0]))
        try attrs.expect("in_chans", .int(x.shape[1]))
        try attrs.expect("image_size", .array([.int(x.shape[2]), .int(x.shape[3])]))
        let classes = try attrs.int("num_classes")
        let widths = try attrs.ints("widths")
        let blocks = try attrs.ints("blocks_per_stage")
        guard blocks.count == 3, Set(blocks).count == 1 else { throw GoldenError("\(file.label): blocks_per_stage \(blocks) unsupported") }
        try attrs.expect("strides", .array([.int(1), .int(2), .int(2)]))
        try attrs.expect("block", .string("basic"))
        try attrs.expect("shortcut", .string("conv1x1_bn"))
        try attrs.expect("stem", .object([("kernel", .int(3)), ("stride", .int(1)), ("padding", .int(1)), ("bias", .bool(false))]))
        try attrs.expect("batchnorm", .object([("eps", .double(1e-5)), ("momentum", .double(0.1)), ("training", .bool(true))]))
        var method = try attrs.object("method")
        try method.expect("name", .string("t2b"))
        let k = try method.int("branches")
        let kernels = try method.ints("branch_kernels")
        let width = try method.int("branch_dim")
        var permeation = try method.object("permeation")
        try permeation.expect("inputs", .array([.string("layer2"), .string("layer3")]))
        try permeation.expect("pool", .string("avg"))
        try permeation.expect("pool_kernel", .int(2))  // the stage2 -> stage3 size ratio, which the module derives
        try permeation.expect("pool_stride", .int(2))
        try permeation.expect("detached", .bool(false))
        try permeation.finish()
        try method.expect(
            "branch",
            .object([
                ("dw_bias", .bool(false)), ("pw_bias", .bool(false)), ("norm", .string("batchnorm2d")),
                ("activation", .string("relu")), ("pool", .string("global_mean")),
            ]))
        try method.finish()
        var loss = try attrs.object("loss")
        try loss.expect("name", .string("t2b_total"))
        let temperature = try loss.double("temperature")
        try loss.expect("teacher_eps", .double(0))
        try loss.expect("teacher_detached", .bool(true))
        let ramp = try loss.double("ramp_weight")
        let (lambdaBW, lambdaEns, lambdaDec) = (try loss.double("lambda_bw"), try loss.double("lambda_ens"), try loss.double("lambda_dec"))
        try loss.expect("std_eps", .double(1e-5))
        try loss.expect("decorrelation", .string("feature_cross_correlation"))
        try loss.expect("ensemble_to_branch_kd", .bool(false))
        try loss.finish()
        guard case var .object(optimizer) = try attrs.take("optimizer") else { throw GoldenError("\(file.label): optimizer") }
        guard optimizer.first(where: { $0.key == "step_before" })?.value == .int(0) else { throw GoldenError("\(file.label): step_before") }
        optimizer.removeAll { ["step_before", "doc"].contains($0.key) }
        try attrs.finish()

        // The spec, written from attrs only.
        let list = { (xs: [Int]) in "[" + xs.map(String.init).joined(separator: ", ") + "]" }
        let optimizerYAML = optimizer.map { "\($0.key): \(JSON.serialize($0.value))" }.joined(separator: ", ")
        let yaml = """
            schema: canopy/1
            data:
              dataset: synthetic
              batch_size: \(x.shape[0])
              normalize: false
              synthetic: {channels: \(x.shape[1]), size: \(x.shape[2]), classes: \(classes)}
            model:
              backbone: {name: resnet_cifar, depth: 8, blocks_per_stage: \(blocks[0]), widths: \(list(widths))}
            method: {name: t2b, branches: \(k), kernels: \(list(kernels)), width: \(width), temperature: \(temperature),
                     lambda_bw: \(lambdaBW), lambda_ens: \(lambdaEns), lambda_dec: \(lambdaDec)}
            optimizer: {\(optimizerYAML)}
            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("t2b-step-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let diagnostics = DiagnosticEngine()
        let compiled = try #require(
            SpecFrontEnd.compile(path, plugins: try BuiltInPlugins.set(), diagnostics: diagnostics),
            "\(diagnostics.render())")
        let graph = compiled.graph
        let value = { (name: String) throws -> ValueID in try #require(compiled.values[name], "no value \(name)") }
        let trunk = try value("trunk.logits"), ensemble = try value("ensemble.logits")
        let branchLogits = try (0..<k).map { try value("branch[\($0)].logits") }
        let features = try (0..<k).map { try value("branch[\($0)].feature") }

        let memory = ModelMemory(graph: graph)
        let plan = PlanLowering.lower(
            memory, purpose: .train,
            outputs: [trunk, ensemble] + branchLogits + features + compiled.losses.map(\.value))
        // Weights of the formula: the ramp's value is the file's ramp_weight.
        var weights: [String: Double] = [:]
        for l in compiled.losses {
            let w: Double
            switch l.weight {
            case let .ramp(max, _): w = max * ramp
            default: w = l.weight.value(epoch: 0)
            }
            weights[l.name] = w
            plan.setLossWeight(slot: l.slot, Float(w))
        }
        #expect(weights["ce_trunk"] == 1 && weights["decorrelation"] == lambdaDec && weights["kd_ensemble"] == ramp * lambdaEns)
        let fileParams = Set(golden.file.names.filter { $0.hasPrefix("param.") }.map { String($0.dropFirst(6)) })
        let graphParams = Set(graph.parameters.map { graph[$0].name })
        #expect(
            fileParams == graphParams,
            "only in the file \(fileParams.subtracting(graphParams).sorted()), only in the graph \(graphParams.subtracting(fileParams).sorted())")
        for (name, tensor) in memory.namedTensors {
            try golden.load((golden.has("param.\(name)") ? "param." : "state.") + name, into: tensor)
        }
        try golden.load("in.x", into: try #require(plan.input("input")))
        try golden.load("in.target", into: try #require(plan.input("target")))
        plan.run()

        func out(_ v: ValueID) -> [Float] { plan.output(v)!.toArray() }
        func term(_ name: String) -> Double { Double(out(compiled.losses.first { $0.name == name }!.value)[0]) }
        let ceBranches = (0..<k).map { term("ce_branches[\($0)]") }
        let kdBranches = (0..<k).map { term("kd_branchwise[\($0)]") }
        let total = compiled.losses.reduce(0.0) { $0 + weights[$1.name]! * Double(out($1.value)[0]) }
        var errors: [(String, Double)] = [
            ("out.logits", golden.relativeError("out.logits", out(trunk))),
            ("out.branch_logits", golden.relativeError("out.branch_logits", branchLogits.flatMap(out))),
            ("out.branch_features", golden.relativeError("out.branch_features", features.flatMap(out))),
            ("out.ensemble_logits", golden.relativeError("out.ensemble_logits", out(ensemble))),
            ("out.ce_trunk", golden.relativeError("out.ce_trunk", [Float(term("ce_trunk"))])),
            ("out.ce_branches", golden.relativeError("out.ce_branches", ceBranches.map(Float.init))),
            ("out.kd_branchwise", golden.relativeError("out.kd_branchwise", [Float(kdBranches.reduce(0, +) / Double(k))])),
            ("out.kd_ensemble", golden.relativeError("out.kd_ensemble", [Float(term("kd_ensemble"))])),
            ("out.decorrelation", golden.relativeError("out.decorrelation", [Float(term("decorrelation"))])),
            ("out.loss", golden.relativeError("out.loss", [Float(total)])),
        ]
        for v in graph.parameters {
            let name = graph[v].name
            errors.append(("grad.\(name)", golden.relativeError("grad.\(name)", try #require(memory.gradient(v)).toArray())))
        }
        try #require(optimizer.first { $0.key == "name" }?.value == .string("sgd"))
        try golden.checkSGDUpdate(
            memory, sgd: optimizer.filter { $0.key != "name" }, errors: errors, label: "t2b step golden \(file.label)")
    }
}
