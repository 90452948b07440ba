import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// The `resnet8_css` cases of the golden `models/` folder: one whole CSS training step of
/// two bottleneck CIFAR ResNets `net_t` and `net_s` (`model.networks`, each its own
/// depth), corner-masked branches over augmented labels, the `css` loss, backward and
/// Nesterov SGD, through the plan of a spec written with `method: {name: css, ...}`; each
/// network's planes and blocks, the branch count, mask divisor, corners, T, classes, image
/// size and batch come from `attrs`. Every parameter name of the file (`net_t.conv1`,
/// `net_t.branch.{k}.layer3...`, `net_s....`) must be the graph's.
@Suite struct CSSModelStepTests {
    static let cases = GoldenFiles.cases(in: "models").filter { (try? GoldenCase($0).attrs["model"]) == .string("resnet8_css") }

    @Test func casesExist() { #expect(!Self.cases.isEmpty) }

    @Test(arguments: cases)
    func cssStep(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        var attrs = try StrictAttrs(golden.attrs, path: file.label)
        try attrs.expect("model", .string("resnet8_css"))
        let channels = try attrs.int("in_chans"), size = try attrs.ints("image_size"), classes = try attrs.int("num_classes")
        let batch = try attrs.int("batch")
        var nets = try attrs.object("nets")
        var networks: [(name: String, planes: [Int], blocks: [Int])] = []
        for key in ["t", "s"] {
            var net = try nets.object(key)
            networks.append(("net_\(key)", try net.ints("planes"), try net.ints("blocks_per_stage")))
            try net.finish()
        }
        try nets.finish()
        try attrs.expect("block", .string("bottleneck"))
        try attrs.expect("expansion", .int(4))
        try attrs.expect("strides", .array([.int(1), .int(2), .int(2)]))
        try attrs.expect("shortcut", .string("conv1x1_bn"))
        try attrs.expect("stem", .object([("kernel", .int(3)), ("stride", .int(1)), ("padding", .int(1)), ("bias", .bool(false))]))
        try attrs.expect("batchnorm", .object([("eps", .double(1e-5)), ("momentum", .double(0.1)), ("training", .bool(true))]))
        var method = try attrs.object("method")
        try method.expect("name", .string("css"))
        let n = try method.int("branches")
        try method.expect("branch_point", .string("layer2"))
        try method.expect("branch_outputs", .int(n * classes))
        try method.expect("pool", .string("global_mean"))
        var transform = try method.object("transform")
        try transform.expect("kind", .string("spatial_corner_mask"))
        try transform.expect("applied_to", .string("layer2_output"))
        let divisor = try transform.int("size_divisor")
        let corners = try transform.strings("corners", optional: false)
        #expect(corners == CSSMethod.corners.prefix(n).map(\.rawValue), "\(file.label): corners \(corners)")
        try transform.finish()
        try method.finish()
        var loss = try attrs.object("loss")
        try loss.expect("name", .string("css"))
        let temperature = try loss.double("temperature")
        try loss.expect("teacher_eps", .double(0))
        let detached = try loss.bool("teacher_detached")
        try loss.expect("ratio_detached", .bool(detached))
        try loss.expect("label", .string("y*n+i"))
        try loss.finish()
        let optimizer = try GatedBranchStep.firstSGDStep(&attrs, label: file.label)
        try attrs.finish()

        // The spec, through the whole front end.
        func network(_ net: (name: String, planes: [Int], blocks: [Int])) -> String {
            let list = { (v: [Int]) in "[" + v.map(String.init).joined(separator: ", ") + "]" }
            return "    \(net.name): {backbone: {name: resnet_cifar, block: bottleneck, depth: \(3 * net.blocks.reduce(0, +) + 2), "
                + "stage_blocks: \(list(net.blocks)), widths: \(list(net.planes))}}"
        }
        let spec = """
            schema: canopy/1
            method: {name: css, branches: \(n), temperature: \(temperature), detach: \(detached), mask_divisor: \(divisor)}
            data:
              dataset: synthetic
              batch_size: \(batch)
              synthetic: {channels: \(channels), size: \(size[0]), classes: \(classes)}
            model:
              networks:
            \(networks.map(network).joined(separator: "\n"))
            optimizer: {name: sgd}
            """
        let experiment = try MethodPlanTests.compile(spec)
        let graph = experiment.graph
        golden.expectParameters(of: graph)

        // File outputs -> graph values.
        func value(_ name: String) throws -> ValueID {
            try #require(experiment.values[name] ?? graph.value(named: name), "\(file.label): no value \(name)")
        }
        var outputs: [String: [ValueID]] = [:]
        for (suffix, net) in [("t", "net_t"), ("s", "net_s")] {
            outputs["branch_logits_\(suffix)"] = try (0..<n).map { try value("\(net).branch[\($0)].logits") }
            outputs["prediction_\(suffix)"] = [try value("aggregate_\(suffix).logits")]
            for term in ["ce", "kd", "ratio"] { outputs["\(term)_\(suffix)"] = [try value("loss.loss_\(suffix).\(term)")] }
            outputs["ce_\(suffix)_branches"] = try (0..<n).map { try value("loss.loss_\(suffix).ce_branch\($0)") }
        }
        outputs["prediction_dual"] = [try value("dual.logits")]
        let memory = ModelMemory(graph: graph)
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: experiment.losses.map(\.value) + outputs.values.joined())
        for (name, tensor) in memory.namedTensors {
            try golden.load((golden.has("param.\(name)") ? "param." : "state.") + name, into: tensor)
        }
        try golden.load("in.x", into: try #require(plan.output(experiment.input)))
        try golden.load("in.target", into: try #require(plan.output(experiment.target)))
        var weights: [Double] = []
        for term in experiment.losses {
            guard case let .constant(w) = term.weight else { throw GoldenError("\(file.label): css terms have constant weights") }
            weights.append(w)
            plan.setLossWeight(slot: term.slot, Float(w))
        }
        plan.run()

        var errors: [(String, Double)] = []
        func out(_ v: ValueID) throws -> [Float] { try #require(plan.output(v)).toArray() }
        let terms = try experiment.losses.map { Double(try out($0.value)[0]) }
        errors.append(("out.loss", golden.relativeError("out.loss", [Float(zip(weights, terms).map(*).reduce(0, +))])))
        for (term, t) in zip(experiment.losses, terms) { errors.append(("out.\(term.name)", golden.relativeError("out.\(term.name)", [Float(t)]))) }
        for (name, list) in outputs { errors.append(("out.\(name)", golden.relativeError("out.\(name)", try list.flatMap(out)))) }
        for v in graph.parameters {
            let name = graph[v].name
            errors.append(("grad.\(name)", golden.relativeError("grad.\(name)", try #require(memory.gradient(v)).toArray())))
        }

        try golden.checkSGDUpdate(memory, sgd: optimizer, errors: errors, label: "css step golden \(file.label)")
    }
}
