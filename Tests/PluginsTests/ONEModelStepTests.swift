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
        let backbone = try GatedBranchStep.backbone(&attrs, model: "resnet8_one", label: file.label)
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
        let optimizer = try GatedBranchStep.firstSGDStep(&attrs, label: file.label)
        let zeroGrads = Set(try attrs.strings("identically_zero_grads", optional: true))
        try attrs.finish()

        try GatedBranchStep(
            golden: golden, label: file.label, backbone: backbone,
            method: "{name: one, branches: \(branches), from: stage2, temperature: \(temperature), teacher_eps: \(teacherEps)}",
            branches: branches, nodeOutputs: GatedBranchStep.gateOutputs("gate"), termGroups: ["ce_branches", "ce_ensemble", "kl_branches"],
            optimizer: optimizer,
            zeroGrads: zeroGrads, rampWeight: rampWeight
        ).check()
    }
}
