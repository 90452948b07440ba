import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// The `resnet8_lightskd` cases of the golden `models/` folder: one whole LightSKD training
/// step (a CIFAR ResNet-8, the DRG adapter on the stage-2 output, the DSR term against the
/// step state `dsr.memory` the file gives, backward, Nesterov SGD) through the plan of a
/// spec written with `method: {name: lightskd, ...}`; widths, classes, image size, batch,
/// T, alpha and beta come from `attrs`, the adapter's fixed structure is checked against
/// them. The step state is loaded from `state.dsr.memory` like any persistent tensor and
/// must equal `out.dsr.memory` (this step's sorted logits) after the step.
@Suite struct LightSKDModelStepTests {
    static let cases = GoldenFiles.cases(in: "models").filter { (try? GoldenCase($0).attrs["model"]) == .string("resnet8_lightskd") }

    @Test func casesExist() { #expect(!Self.cases.isEmpty) }

    @Test(arguments: cases)
    func lightskdStep(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        var attrs = try StrictAttrs(golden.attrs, path: file.label)
        let backbone = try GatedBranchStep.backbone(&attrs, model: "resnet8_lightskd", label: file.label)
        var method = try attrs.object("method")
        try method.expect("name", .string("lightskd"))
        try method.expect(
            "adapter",
            .object([
                ("input", .string("layer2")),
                (
                    "sepconv",
                    .object([
                        ("kernel", .int(3)), ("padding", .int(1)), ("bias", .bool(false)), ("norm", .string("batchnorm2d")),
                        ("activation", .string("relu")),
                    ])
                ),
                (
                    "attention",
                    .object([
                        ("stride", .int(2)), ("norm", .string("batchnorm2d")), ("activation", .string("relu")),
                        ("upsample", .object([("mode", .string("bilinear")), ("scale", .int(2)), ("align_corners", .bool(true))])),
                        ("gate", .string("sigmoid")),
                    ])
                ),
                (
                    "head",
                    .object([
                        ("width_multipliers", .array([.int(2), .int(4)])), ("strides", .array([.int(2), .int(2)])),
                        ("pool", .string("global_mean")), ("fc_bias", .bool(true)),
                    ])
                ),
            ]))
        try method.expect("dsr_memory", .object([("buffer", .string("dsr.memory")), ("order", .string("ascending")), ("rows", .string("batch"))]))
        try method.finish()
        var loss = try attrs.object("loss")
        try loss.expect("name", .string("lightskd"))
        let drg = try loss.bool("drg"), dsr = try loss.bool("dsr")
        let temperature = try loss.double("temperature"), alpha = try loss.double("alpha"), beta = try loss.double("beta")
        try loss.expect("teacher_eps", .double(0))
        try loss.expect("teacher_detached", .bool(true))
        try loss.finish()
        let optimizer = try GatedBranchStep.firstSGDStep(&attrs, label: file.label)
        let zeroGrads = Set(try attrs.strings("identically_zero_grads", optional: true))
        try attrs.finish()

        var nodeOutputs = [(file: "logits", values: ["trunk.logits"])]
        var terms = ["ce"]
        if drg {
            nodeOutputs += [("adapter_logits", ["adapter.logits"]), ("adapter_mask", ["adapter.mask"])]
            terms += ["ce_adapter", "drg"]
        }
        if dsr {
            nodeOutputs.append(("sorted_logits", ["sorted.values"]))
            terms.append("dsr")
        }
        try GatedBranchStep(
            golden: golden, label: file.label, backbone: backbone,
            method:
                "{name: lightskd, drg: \(drg), dsr: \(dsr), from: stage2, temperature: \(temperature), alpha: \(alpha), beta: \(beta)}",
            branches: 0, nodeOutputs: nodeOutputs, termGroups: terms, optimizer: optimizer, zeroGrads: zeroGrads, rampWeight: 1
        ).check()
    }
}
