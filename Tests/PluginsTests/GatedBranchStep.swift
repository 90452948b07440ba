import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// What the whole-step goldens of the ONE layout (`resnet8_one`, `resnet8_mde`,
/// `resnet8_ahbf`: a CIFAR ResNet trunk, peer branches after stage 2, a node over them;
/// `resnet8_lightskd`: no branches, nodes on the trunk) share: the backbone
/// attrs, the first-step SGD attrs, and the check itself. The spec written with the
/// method's `method:` mapping is compiled through the whole front end, loaded with the
/// file's parameters and inputs, run for one training step with the file's loss weights,
/// and every output, loss term, gradient and updated tensor is compared with the file.
struct GatedBranchStep {
    /// The image and network facts of the file's `attrs`.
    struct Backbone {
        var channels: Int
        var size: Int
        var classes: Int
        var batch: Int
        var widths: [Int]
        var depth: Int
    }

    /// Reads and checks the backbone attrs every such file states.
    static func backbone(_ attrs: inout StrictAttrs, model: String, label: String) throws -> Backbone {
        try attrs.expect("model", .string(model))
        let channels = try attrs.int("in_chans"), size = try attrs.ints("image_size"), classes = try attrs.int("num_classes")
        let batch = try attrs.int("batch"), widths = try attrs.ints("widths"), blocks = try attrs.ints("blocks_per_stage")
        guard size.count == 2, size[0] == size[1], blocks.count == 3, Set(blocks).count == 1 else {
            throw GoldenError("\(label): needs a square image and equal blocks per stage")
        }
        try attrs.expect("strides", .array([.int(1), .int(2), .int(2)]))
        try attrs.expect("block", .string("basic"))
        try attrs.expect("shortcut", .string("conv1x1_bn"))
        try attrs.expect("stem", .object([("kernel", .int(3)), ("stride", .int(1)), ("padding", .int(1)), ("bias", .bool(false))]))
        try attrs.expect("batchnorm", .object([("eps", .double(1e-5)), ("momentum", .double(0.1)), ("training", .bool(true))]))
        return Backbone(channels: channels, size: size[0], classes: classes, batch: batch, widths: widths, depth: 6 * blocks[0] + 2)
    }

    /// The SGD params of a first step (`step_before: 0`), without `doc` and `name`.
    static func firstSGDStep(_ attrs: inout StrictAttrs, label: String) throws -> [(key: String, value: ParamValue)] {
        guard case var .object(optimizer) = try attrs.take("optimizer") else { throw GoldenError("\(label): optimizer") }
        optimizer.removeAll { $0.key == "doc" || $0.key == "name" }
        guard let before = optimizer.firstIndex(where: { $0.key == "step_before" }), optimizer[before].value == .int(0) else {
            throw GoldenError("\(label): only a first SGD step is supported")
        }
        optimizer.remove(at: before)
        return optimizer
    }

    var golden: GoldenCase
    var label: String
    var backbone: Backbone
    /// The spec's `method:` flow mapping, e.g. `{name: one, branches: 3}`.
    var method: String
    var branches: Int
    /// The node outputs the file stores: `out.<file>` = the named values, concatenated.
    var nodeOutputs: [(file: String, values: [String])]
    /// The loss-term groups the file stores unweighted, `out.<group>`.
    var termGroups: [String]
    var optimizer: [(key: String, value: ParamValue)]
    var zeroGrads: Set<String>
    var rampWeight: Double

    /// A gate node's outputs: its `weights` and `logits` are `out.gate_weights`, `out.ensemble_logits`.
    static func gateOutputs(_ gate: String) -> [(file: String, values: [String])] {
        [("gate_weights", ["\(gate).weights"]), ("ensemble_logits", ["\(gate).logits"])]
    }

    /// Runs the step and expects every checked tensor within the file's tolerance.
    func check() throws {
        let golden = golden, file = (label: label, names: golden.file.names)
        let (batch, channels, size, classes, widths) = (backbone.batch, backbone.channels, backbone.size, backbone.classes, backbone.widths)
        // The spec, through the whole front end.
        let spec = """
            schema: canopy/1
            method: \(method)
            data:
              dataset: synthetic
              batch_size: \(batch)
              synthetic: {channels: \(channels), size: \(size), classes: \(classes)}
            model:
              backbone: {name: resnet_cifar, depth: \(backbone.depth), widths: [\(widths.map(String.init).joined(separator: ", "))]}
            optimizer: {name: sgd}
            """
        let experiment = try MethodPlanTests.compile(spec)
        let graph = experiment.graph
        golden.expectParameters(of: graph)

        let branchLogits = (0..<branches).map { experiment.values["branch[\($0)].logits"]! }
        let nodeValues = try nodeOutputs.map { output in try output.values.map { try #require(experiment.values[$0], "no value \($0)") } }
        let memory = ModelMemory(graph: graph)
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: experiment.losses.map(\.value) + branchLogits + nodeValues.joined())
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
        for name in termGroups { errors.append(("out.\(name)", golden.relativeError("out.\(name)", group(name)))) }
        if branches > 0 { errors.append(("out.branch_logits", golden.relativeError("out.branch_logits", try branchLogits.flatMap(out)))) }
        for (output, values) in zip(nodeOutputs, nodeValues) {
            errors.append(("out.\(output.file)", golden.relativeError("out.\(output.file)", try values.flatMap(out))))
        }
        for v in graph.parameters {
            let name = graph[v].name
            if zeroGrads.contains("grad.\(name)") { continue }
            errors.append(("grad.\(name)", golden.relativeError("grad.\(name)", try #require(memory.gradient(v)).toArray())))
        }

        try golden.checkSGDUpdate(memory, sgd: optimizer, errors: errors, label: "\(method) step golden \(label)")
    }
}
