import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import CanopyTraining
import Foundation
import Testing

/// A researcher's own dataset plugin, held in memory: class k of `classes` lights
/// quadrant k of a `size` x `size` grey image (noise elsewhere), `perClass` training
/// and `perClass / 4` test images per class, drawn from the run's seed.
struct QuadrantsDataset: DatasetPlugin {
    struct Params: PluginParams {
        @Param("number of classes (lit quadrants)", .between(2, 4)) var classes = 4
        @Param("image side", .between(4, 64)) var size = 8
        @Param("training images per class", .atLeast(4)) var perClass = 32
        init() {}
    }

    static let name = "quadrants"
    static let summary = "grey images with one lit quadrant per class"

    let params: Params
    init(params: Params) { self.params = params }

    var facts: DatasetFacts {
        DatasetFacts(
            channels: 1, size: params.size, classes: params.classes, trainCount: params.classes * params.perClass,
            testCount: params.classes * (params.perClass / 4))
    }

    func load(_ context: DatasetContext) throws -> DatasetPair {
        func make(_ count: Int, _ split: String) -> Dataset {
            let s = params.size, half = s / 2
            var random = SeededRandom(seed: context.seed, stream: "quadrants.\(split)")
            var images: [UInt8] = [], labels: [Int32] = []
            for i in 0..<count {
                let k = i % params.classes
                labels.append(Int32(k))
                for y in 0..<s {
                    for x in 0..<s {
                        let lit = (y < half ? 0 : 2) + (x < half ? 0 : 1) == k
                        images.append(UInt8((lit ? 180 : 40) + random.below(40)))
                    }
                }
            }
            return Dataset(
                name: "quadrants/\(split)", source: "memory", images: images, labels: labels, channels: 1,
                height: s, width: s, classCount: params.classes,
                classNames: (0..<params.classes).map { "q\($0)" }, mean: [0.4], std: [0.3])
        }
        return DatasetPair(
            train: make(params.classes * params.perClass, "train"),
            test: make(params.classes * (params.perClass / 4), "test"))
    }
}

/// A dataset plugin that states one shape and loads another.
struct MisstatedDataset: DatasetPlugin {
    struct Params: PluginParams {}
    static let name = "misstated"
    static let summary = "states 1x8x8, loads 2x8x8"
    init(params: Params) {}
    var facts: DatasetFacts { DatasetFacts(channels: 1, size: 8, classes: 2) }
    func load(_ context: DatasetContext) throws -> DatasetPair {
        let set = Dataset(
            name: "misstated/train", source: "memory", images: [UInt8](repeating: 0, count: 32 * 128),
            labels: [Int32](repeating: 0, count: 32), channels: 2, height: 8, width: 8, classCount: 2,
            mean: [0.5, 0.5], std: [0.5, 0.5])
        return DatasetPair(train: set, test: set)
    }
}

/// Datasets as plugins end to end: a user-registered one compiled and trained on, one
/// that breaks its promise refused, and `image_folder` on a tree of real files.
@Suite(.serialized) struct DatasetPluginTrainingTests {
    static func spec(data: String, epochs: Int = 3) -> String {
        """
        schema: canopy/1
        seed: 11
        data: \(data)
        model:
          backbone: {name: resnet_cifar, depth: 8, widths: [4, 8, 8]}
        losses:
          - {name: ce, plugin: cross_entropy, inputs: {logits: trunk.logits, target: target}}
        optimizer: {name: sgd, lr: 0.1, momentum: 0.9}
        train: {epochs: \(epochs), threads: 1}
        """
    }

    /// Compiles `text` with the built-ins plus `extra`; the diagnostics when it fails.
    static func compile(_ text: String, adding extra: [Any.Type]) throws -> (CompiledExperiment?, DiagnosticEngine, String) {
        let dir = NSTemporaryDirectory() + "canopy-datasets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try text.write(toFile: dir + "/spec.yaml", atomically: true, encoding: .utf8)
        let diagnostics = DiagnosticEngine()
        let compiled = SpecFrontEnd.compile(
            dir + "/spec.yaml", plugins: try BuiltInPlugins.set(adding: extra),
            diagnostics: diagnostics)
        return (compiled, diagnostics, dir)
    }

    @Test func aUserRegisteredDatasetCompilesAndTrains() throws {
        let text = Self.spec(data: "{dataset: {name: quadrants, classes: 4, per_class: 48}, batch_size: 16}")
        // Without the plugin, the name is unknown.
        let (missing, missingDiagnostics, _) = try Self.compile(text, adding: [])
        #expect(missing == nil)
        #expect(missingDiagnostics.sorted.map(\.message).first?.hasPrefix("unknown dataset 'quadrants'") == true)

        let (compiled, diagnostics, dir) = try Self.compile(text, adding: [QuadrantsDataset.self])
        #expect(!diagnostics.hasErrors, "\(diagnostics.render())")
        let experiment = try #require(compiled)
        #expect(experiment.graph[experiment.input].spec.shape.dims == [16, 1, 8, 8])
        #expect(experiment.values["trunk.logits"].map { experiment.graph[$0].spec.shape.dims } == [16, 4])

        // The data comes from the plugin, with the run's seed.
        let data = try ExperimentData(experiment.spec)
        #expect(data.loaded.train.name == "quadrants/train" && data.loaded.train.count == 192 && data.loaded.test.count == 48)
        #expect(data.loaded.train.classNames == ["q0", "q1", "q2", "q3"])
        #expect(data.train.stepsPerEpoch == 12)
        let direct = try QuadrantsDataset.make(.object([("per_class", .int(48))]))
        #expect(try direct.load(DatasetContext(seed: 11)).train.images == data.loaded.train.images)
        #expect(try direct.load(DatasetContext(seed: 12)).train.images != data.loaded.train.images)

        // A lit quadrant is easy: three epochs learn it.
        let lines = try TrainingTests.train(experiment, dir)
        #expect(lines.count == 3)
        let accuracy = try #require(TrainingTests.number(lines[2], "test.deploy.top1"))
        #expect(accuracy >= 0.9, "test accuracy \(accuracy); chance is 0.25")
    }

    @Test func aDatasetThatLoadsAnotherShapeIsRefused() throws {
        let (compiled, diagnostics, _) = try Self.compile(
            Self.spec(data: "{dataset: misstated, batch_size: 4}"),
            adding: [MisstatedDataset.self])
        #expect(!diagnostics.hasErrors, "\(diagnostics.render())")
        let experiment = try #require(compiled)
        #expect {
            _ = try ExperimentData(experiment.spec)
        } throws: {
            "\($0)" == "dataset 'misstated': misstated/train holds 2x8x8 images in 2 classes, but the dataset plugin "
                + "promised 1x8x8 in 2"
        }
    }

    @Test func anImageFolderTreeTrainsThroughASpec() throws {
        // Three classes of 8x8-ish images: red, green and blue squares of varied sizes and shades.
        let root = NSTemporaryDirectory() + "canopy-image-tree-\(UUID().uuidString)"
        var random = SeededRandom(seed: 3)
        for (split, count) in [("train", 12), ("test", 4)] {
            for (k, name) in ["blue", "green", "red"].enumerated() {
                for i in 0..<count {
                    let w = 6 + random.below(5), h = 6 + random.below(5)
                    var pixels: [UInt8] = []
                    for _ in 0..<(w * h) {
                        for c in 0..<3 { pixels.append(UInt8(c == 2 - k ? 150 + random.below(100) : random.below(60))) }
                    }
                    let path = "\(root)/\(split)/\(name)/\(i)." + (i % 2 == 0 ? "png" : "jpg")
                    if i % 2 == 0 {
                        try ImageFiles.writePNG(path, width: w, height: h, .rgb, pixels)
                    } else {
                        try ImageFiles.writeJPEG(path, width: w, height: h, pixels)
                    }
                }
            }
        }
        let text = Self.spec(
            data: "{dataset: {name: image_folder, classes: 3, size: 8}, path: \(root), batch_size: 4}",
            epochs: 2)
        let (compiled, diagnostics, dir) = try Self.compile(text, adding: [])
        #expect(!diagnostics.hasErrors, "\(diagnostics.render())")
        let experiment = try #require(compiled)
        #expect(experiment.graph[experiment.input].spec.shape.dims == [4, 3, 8, 8])
        let data = try ExperimentData(experiment.spec)
        #expect(data.loaded.train.count == 36 && data.loaded.test.count == 12)
        #expect(data.loaded.train.classNames == ["blue", "green", "red"])
        #expect(
            data.loaded.train.labels == [Int32](repeating: 0, count: 12) + [Int32](repeating: 1, count: 12)
                + [Int32](repeating: 2, count: 12))
        // Every training image of class red is reddest (channel 0 brightest), and so on.
        let train = data.loaded.train
        for i in 0..<train.count {
            let means = (0..<3).map { c in train.images[(i * 3 + c) * 64..<(i * 3 + c + 1) * 64].reduce(0) { $0 + Int($1) } }
            #expect(means.firstIndex(of: means.max()!) == 2 - Int(train.labels[i]), "image \(i): \(means)")
        }
        // The decoded images were cached beside the data; the next load reads them.
        #expect(FileManager.default.fileExists(atPath: root + "/.canopy-cache/train-8-resize.cache"))
        let cached = try ImageFolder.load(try #require(experiment.spec.data.plugin as? ImageFolderDataset).options)
        #expect(cached.cache == [.reused, .reused] && cached.pair.train.images == train.images)

        let lines = try TrainingTests.train(experiment, dir)
        #expect(lines.count == 2)
        #expect(TrainingTests.number(lines[1], "test.deploy.top1") != nil)

        // A corrupt image fails the load with its path.
        try Data("junk".utf8).write(to: URL(fileURLWithPath: root + "/test/red/0.png"))
        #expect { _ = try ExperimentData(experiment.spec) } throws: { "\($0)" == root + "/test/red/0.png: not a PNG file" }
    }
}
