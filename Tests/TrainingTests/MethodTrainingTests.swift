import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// Every method's Fashion-MNIST spec (specs/fashion-mnist/<method>-resnet8.yaml) trains
/// on a small subset to well above chance (10%), shrunk so each takes seconds: 1,024
/// training images, 3 epochs, narrow widths. kd's teacher is the baseline's checkpoint.
@Suite(.serialized) struct MethodTrainingTests {
    static let specs = GoldenFiles.packageRoot.appendingPathComponent("specs/fashion-mnist")
    static let shrink = [
        "data.train_subset=1024", "data.test_subset=256", "data.batch_size=64", "train.epochs=3",
        "train.threads=1", "eval.every=1", "optimizer.lr=0.1", "model.backbone.widths=[8, 16, 16]",
    ]

    static func train(_ method: String, extra: [String] = []) throws -> (accuracy: Double, run: String) {
        let text = try String(contentsOf: specs.appendingPathComponent("\(method)-resnet8.yaml"), encoding: .utf8)
        let (experiment, dir) = try TrainingTests.compile(text, overrides: shrink + extra)
        let lines = try TrainingTests.train(experiment, dir)
        #expect(lines.count == 3, "\(method): \(lines.count) evaluations")
        let accuracy = try #require(TrainingTests.number(lines.last ?? "", "test.deploy.top1"), "\(method): no test.deploy.top1")
        return (accuracy, dir + "/run")
    }

    @Test func everyMethodLearns() throws {
        let baseline = try Self.train("baseline")
        #expect(baseline.accuracy > 0.35, "baseline: \(baseline.accuracy)")
        let teacher = [
            "model.teacher.backbone.widths=[8, 16, 16]",
            "model.teacher.checkpoint=\(baseline.run)/checkpoint.safetensors",
        ]
        for (method, extra) in [("kd", teacher), ("dml", []), ("one", []), ("okddip", []), ("t2b", []), ("mde", []), ("ahbf", []), ("lightskd", [])] {
            let result = try Self.train(method, extra: extra)
            #expect(result.accuracy > 0.35, "\(method): deployed top-1 \(result.accuracy); chance is 0.1")
        }
    }
}

/// ConvNeXt and CSWin (narrow versions of the same backbone plugins) train on a
/// padded Fashion-MNIST subset to well above chance, plain and with T2B's branches in
/// each backbone's style (LayerNorm + GELU conv branches, token-wise MLP branches).
@Suite(.serialized) struct BackboneTrainingTests {
    static let specs = GoldenFiles.packageRoot.appendingPathComponent("specs/fashion-mnist")
    static let shrink = [
        "data.train_subset=1024", "data.test_subset=256", "data.batch_size=64", "train.epochs=3",
        "train.threads=1", "eval.every=1", "optimizer.lr=3.0e-3", "optimizer.weight_decay=0.01",
    ]

    @Test(arguments: [
        ("baseline-convnext-atto", "model.backbone={name: convnext, dims: [8, 16, 24, 32], depths: [1, 1, 1, 1]}"),
        ("baseline-cswin-t", "model.backbone={name: cswin, embed_dim: 8, depths: [1, 1, 1, 1], heads: [2, 2, 4, 4]}"),
        ("t2b-convnext-atto", "model.backbone={name: convnext, dims: [8, 16, 24, 32], depths: [1, 1, 1, 1]}"),
        ("t2b-cswin-t", "model.backbone={name: cswin, embed_dim: 8, depths: [1, 1, 1, 1], heads: [2, 2, 4, 4]}"),
    ])
    func learns(_ spec: String, _ backbone: String) throws {
        let text = try String(contentsOf: Self.specs.appendingPathComponent("\(spec).yaml"), encoding: .utf8)
        let (experiment, dir) = try TrainingTests.compile(text, overrides: Self.shrink + [backbone])
        let lines = try TrainingTests.train(experiment, dir)
        let accuracy = try #require(TrainingTests.number(lines.last ?? "", "test.deploy.top1"))
        #expect(accuracy > 0.35, "\(spec): deployed top-1 \(accuracy); chance is 0.1")
    }
}
