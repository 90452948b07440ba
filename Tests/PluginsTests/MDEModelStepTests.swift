import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// The `resnet8_mde` cases of the golden `models/` folder: one whole MDE training step
/// (forward in training mode, the `mde` loss with its classifier-diversification term on
/// the branches' fc weights, backward, Nesterov SGD) through the plan of a spec written
/// with `method: {name: mde, ...}`; the spec's widths, branch count, classes, image size,
/// batch, CD form and lambda come from `attrs`. Every parameter name of the file
/// (`branch.{k}.layer3.0...`, `branch.{k}.fc`, `ffm.conv`, `ffm.bn`, `ffm.fc`, `ffm.fc_bn`)
/// must be the graph's.
@Suite struct MDEModelStepTests {
    static let cases = GoldenFiles.cases(in: "models").filter { (try? GoldenCase($0).attrs["model"]) == .string("resnet8_mde") }

    /// The file's `cd` spellings -> the method's `cd` choice.
    static let cdForms = ["frobenius_squared": "literal", "normalized_rows": "scale_free"]

    @Test func casesExist() { #expect(!Self.cases.isEmpty) }

    @Test(arguments: cases)
    func mdeStep(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        var attrs = try StrictAttrs(golden.attrs, path: file.label)
        let backbone = try GatedBranchStep.backbone(&attrs, model: "resnet8_mde", label: file.label)
        var method = try attrs.object("method")
        try method.expect("name", .string("mde"))
        let branches = try method.int("branches")
        try method.expect("branch_point", .string("layer2"))
        try method.expect(
            "ffm",
            .object([
                ("input", .string("branch_layer3_output")), ("conv_kernel", .int(1)), ("conv_bias", .bool(true)),
                ("norm", .string("batchnorm2d")), ("norm_activation", .string("relu")),
                ("pool", .string("global_mean")), ("fc_bias", .bool(true)), ("fc_norm", .string("batchnorm1d")),
                ("fc_activation", .string("relu")), ("output", .string("softmax")),
            ]))
        try method.finish()
        var loss = try attrs.object("loss")
        try loss.expect("name", .string("mde"))
        let temperature = try loss.double("temperature")
        guard try loss.double("teacher_eps") == 0 else { throw GoldenError("\(file.label): mde uses no teacher eps") }
        try loss.expect("teacher_detached", .bool(true))
        let rampWeight = try loss.double("ramp_weight")
        let cdName = try loss.string("cd")
        guard let cd = Self.cdForms[cdName] else { throw GoldenError("\(file.label): unknown cd '\(cdName)'") }
        let lambdaCD = try loss.double("lambda_cd")
        guard try loss.double("cd_norm_eps") == 1e-12 else { throw GoldenError("\(file.label): mde clamps row norms at 1e-12") }
        try loss.finish()
        let optimizer = try GatedBranchStep.firstSGDStep(&attrs, label: file.label)
        let zeroGrads = Set(try attrs.strings("identically_zero_grads", optional: true))
        try attrs.finish()

        try GatedBranchStep(
            golden: golden, label: file.label, backbone: backbone,
            method:
                "{name: mde, branches: \(branches), from: stage2, features: stage3, temperature: \(temperature), cd: \(cd), lambda_cd: \(lambdaCD)}",
            branches: branches, nodeOutputs: GatedBranchStep.gateOutputs("ffm"), termGroups: ["ce_branches", "ce_ensemble", "kl_branches", "cd"],
            optimizer: optimizer,
            zeroGrads: zeroGrads, rampWeight: rampWeight
        ).check()
    }
}
