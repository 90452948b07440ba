import CanopyPlugins
import CanopyTestSupport
import Foundation
import Testing

/// specs/fashion-mnist/css-resnet8.yaml, shrunk like MethodTrainingTests' specs (1,024
/// images, 3 epochs, narrow widths in both networks), trains its deployed aggregate far
/// above chance (10%).
@Suite(.serialized) struct CSSTrainingTests {
    @Test func cssLearns() throws {
        let text = try String(contentsOf: MethodTrainingTests.specs.appendingPathComponent("css-resnet8.yaml"), encoding: .utf8)
        let shrink =
            MethodTrainingTests.shrink.filter { !$0.hasPrefix("model.backbone") } + [
                "model.networks.net_t.backbone.widths=[8, 16, 16]", "model.networks.net_s.backbone.widths=[8, 16, 16]",
            ]
        let (experiment, dir) = try TrainingTests.compile(text, overrides: shrink)
        let lines = try TrainingTests.train(experiment, dir)
        #expect(lines.count == 3)
        let accuracy = try #require(TrainingTests.number(lines.last ?? "", "test.deploy.top1"), "no test.deploy.top1")
        #expect(accuracy > 0.35, "css: deployed top-1 \(accuracy); chance is 0.1")
    }
}
