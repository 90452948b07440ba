import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// The `resnet8_ahbf` cases of the golden `models/` folder: one whole AHBF-OKD training
/// step (forward in training mode, the `ahbf` loss, backward, Nesterov SGD) through the
/// plan of a spec written with `method: {name: ahbf, ...}`; the widths, branch count, aux
/// (branch i's stage 3 has base + i·aux blocks), classes, image size, batch and loss
/// constants come from `attrs`. Every parameter name of the file (`branch.{i}.layer3.{b}...`,
/// `branch.{i}.fc`, `fusion.{j}.conv`, `.bn`, `.fc`, `.fc_bn`) must be the graph's.
@Suite struct AHBFModelStepTests {
    static let cases = GoldenFiles.cases(in: "models").filter { (try? GoldenCase($0).attrs["model"]) == .string("resnet8_ahbf") }

    @Test func casesExist() { #expect(!Self.cases.isEmpty) }

    @Test(arguments: cases)
    func ahbfStep(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        var attrs = try StrictAttrs(golden.attrs, path: file.label)
        let backbone = try GatedBranchStep.backbone(&attrs, model: "resnet8_ahbf", label: file.label)
        var method = try attrs.object("method")
        try method.expect("name", .string("ahbf"))
        let branches = try method.int("branches"), aux = try method.int("aux")
        let base = (backbone.depth - 2) / 6
        try method.expect("branch_blocks", .array((0..<branches).map { .int(base + $0 * aux) }))
        try method.expect("branch_point", .string("layer2"))
        try method.expect(
            "fusion",
            .object([
                ("conv_kernel", .int(1)), ("conv_bias", .bool(true)), ("norm", .string("batchnorm2d")),
                ("norm_activation", .string("none")), ("pool", .string("global_mean")), ("fc_bias", .bool(true)),
                ("fc_norm", .string("batchnorm1d")), ("fc_activation", .string("relu")), ("output", .string("softmax")),
                ("passed_on", .string("normalized_feature")),
            ]))
        try method.finish()
        var loss = try attrs.object("loss")
        try loss.expect("name", .string("ahbf"))
        let temperature = try loss.double("temperature"), teacherEps = try loss.double("teacher_eps")
        try loss.expect("teacher_detached", .bool(false))
        let lambda1 = try loss.double("lambda1"), lambda2 = try loss.double("lambda2"), kdScale = try loss.double("kd_scale")
        let rampWeight = try loss.double("ramp_weight")
        try loss.finish()
        let optimizer = try GatedBranchStep.firstSGDStep(&attrs, label: file.label)
        let zeroGrads = Set(try attrs.strings("identically_zero_grads", optional: true))
        try attrs.finish()

        let modules = 1..<branches
        try GatedBranchStep(
            golden: golden, label: file.label, backbone: backbone,
            method: """
                {name: ahbf, branches: \(branches), aux: \(aux), from: stage2, features: stage3, temperature: \(temperature), \
                teacher_eps: \(teacherEps), lambda1: \(lambda1), lambda2: \(lambda2), kd_scale: \(kdScale)}
                """,
            branches: branches,
            nodeOutputs: [
                ("ta_logits", modules.map { "fusion.logits[\($0)]" }), ("fusion_weights", modules.map { "fusion.weights[\($0)]" }),
            ],
            termGroups: ["ce_branches", "ce_tas", "dkd", "ekd_branch", "ekd_prev"], optimizer: optimizer,
            zeroGrads: zeroGrads, rampWeight: rampWeight
        ).check()
    }
}
