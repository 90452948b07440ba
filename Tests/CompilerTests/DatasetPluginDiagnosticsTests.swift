import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import Foundation
import Testing

/// `data.dataset` names a dataset plugin: its facts size the model before any file is
/// read, its params are checked strictly at their spec positions, and the old spellings
/// (`dataset: name`, `path:`, `synthetic:`) mean what they meant.
@Suite struct DatasetPluginDiagnosticsTests {
    static func spec(data: String) -> String {
        DiagnosticsTests.spec(replacing: "data: {dataset: cifar100, batch_size: 8}", with: "data: \(data)")
    }

    /// The shape of a compiled value.
    static func dims(_ c: CompiledExperiment, _ name: String) -> [Int]? { c.values[name].map { c.graph[$0].spec.shape.dims } }

    @Test func anImageFolderSizesTheModelFromItsParamsWithoutReadingFiles() throws {
        let r = check(Self.spec(data: "{dataset: {name: image_folder, path: /nonexistent, classes: 7, size: 24}, batch_size: 8}"))
        #expect(r.messages == [])
        let c = try #require(r.compiled)
        #expect(c.graph[c.input].spec.shape.dims == [8, 3, 24, 24])
        #expect(Self.dims(c, "trunk.logits") == [8, 7])
        #expect(c.spec.data.dataset == "image_folder")
        #expect(c.spec.data.facts == DatasetFacts(channels: 3, size: 24, classes: 7))
        let plugin = try #require(c.spec.data.plugin as? ImageFolderDataset)
        #expect(
            plugin.options
                == ImageFolder.Options(
                    root: "/nonexistent", size: 24, fit: .resize, classes: 7,
                    cacheDirectory: "/nonexistent/.canopy-cache"))
        // data.path joins the params; the other params keep their spec values.
        let joined = check(
            Self.spec(
                data: """
                    {dataset: {name: image_folder, classes: 3, size: 16, fit: resize_crop, test: valid, cache_dir: /tmp/c}, \
                    path: data/cinic, batch_size: 8}
                    """))
        #expect(joined.messages == [])
        let options = try #require(joined.compiled?.spec.data.plugin as? ImageFolderDataset).options
        #expect(
            options
                == ImageFolder.Options(
                    root: "data/cinic", size: 16, fit: .resizeCrop, testDirectory: "valid",
                    classes: 3, cacheDirectory: "/tmp/c"))
        let uncached = check(Self.spec(data: "{dataset: {name: image_folder, path: x, classes: 3, size: 16, cache: false}}"))
        #expect(try #require(uncached.compiled?.spec.data.plugin as? ImageFolderDataset).options.cacheDirectory == nil)
    }

    @Test func theOldSpellingsKeepTheirMeaning() throws {
        // `path:` beside a built-in name is that dataset's `path` param.
        let cifar = try #require(check(Self.spec(data: "{dataset: cifar10, path: data/c10, batch_size: 8}")).compiled)
        #expect(try #require(cifar.spec.data.plugin as? CIFAR10Dataset).params.path == "data/c10")
        #expect(cifar.graph[cifar.input].spec.shape.dims == [8, 3, 32, 32] && Self.dims(cifar, "trunk.logits") == [8, 10])
        // Without one, the old default directories.
        let fashion = try #require(check(Self.spec(data: "{dataset: fashion_mnist, batch_size: 8, pad_to: 32}")).compiled)
        #expect(try #require(fashion.spec.data.plugin as? FashionMNISTDataset).params.path == "/usr/share/datasets/fashion-mnist")
        #expect(fashion.graph[fashion.input].spec.shape.dims == [8, 1, 32, 32])
        #expect(try #require(check(Self.spec(data: "{batch_size: 8}")).compiled).spec.data.dataset == "fashion_mnist")
        let c100 = try #require(check(DiagnosticsTests.valid).compiled)
        #expect(try #require(c100.spec.data.plugin as? CIFAR100Dataset).params.path == "data/cifar-100-binary")
        // `synthetic:` is the synthetic dataset's params, as is the plugin-call form.
        for data in [
            "{dataset: synthetic, batch_size: 8, synthetic: {channels: 2, size: 12, classes: 5, train: 64, test: 16}}",
            "{dataset: {name: synthetic, channels: 2, size: 12, classes: 5, train: 64, test: 16}, batch_size: 8}",
        ] {
            let c = try #require(check(Self.spec(data: data)).compiled, "\(data)")
            #expect(c.graph[c.input].spec.shape.dims == [8, 2, 12, 12] && Self.dims(c, "trunk.logits") == [8, 5])
            #expect(c.spec.data.facts == DatasetFacts(channels: 2, size: 12, classes: 5, trainCount: 64, testCount: 16))
        }
    }

    /// The augmentation keys reach the training loader's config; the two random crops exclude each other.
    @Test func randomResizedCropReplacesThePaddedCrop() throws {
        let c = try #require(check(Self.spec(data: "{dataset: cifar10, batch_size: 8, random_resized_crop: true, flip: true}")).compiled)
        #expect(c.spec.data.randomResizedCrop && c.spec.data.flip && c.spec.data.cropPadding == 0)
        #expect(
            check(Self.spec(data: "{dataset: cifar10, batch_size: 8, crop_padding: 4, random_resized_crop: true}")).messages == [
                "t.yaml:2:79: error: random_resized_crop replaces the padded random crop: remove crop_padding"
            ])
    }

    @Test func datasetParamErrorsPointAtTheParam() {
        // Required keys: at the dataset mapping (and nothing about the placeholders of the missing ones).
        #expect(
            check(Self.spec(data: "{dataset: {name: image_folder, path: x}, batch_size: 8}")).messages == [
                "t.yaml:2:17: error: missing required key 'classes'",
                "t.yaml:2:17: error: missing required key 'size'",
            ])
        // A value out of range or not a choice: at the value; an unknown key: at the key.
        #expect(
            check(Self.spec(data: "{dataset: {name: image_folder, path: x, classes: 3, size: 0}}")).messages
                == ["t.yaml:2:65: error: must be between 1 and 4096, found 0"])
        #expect(
            check(Self.spec(data: "{dataset: {name: image_folder, path: x, classes: 3, size: 8, fit: crop}}")).messages
                == ["t.yaml:2:73: error: unknown value 'crop', expected one of resize | center_crop | resize_crop"])
        #expect(
            check(Self.spec(data: "{dataset: {name: image_folder, path: x, classes: 3, size: 8, sise: 9}}")).messages
                == ["t.yaml:2:68: error: unknown key 'sise' (did you mean 'size'?)"])
        #expect(
            check(Self.spec(data: "{dataset: {name: image_folder, path: \"\", classes: 3, size: 8}}")).messages
                == ["t.yaml:2:44: error: is empty (give the root folder)"])
        // data.synthetic's keys are checked as the synthetic dataset's params.
        #expect(
            check(Self.spec(data: "{dataset: synthetic, synthetic: {channels: 0, sizes: 8}}")).messages == [
                "t.yaml:2:50: error: must be between 1 and 64, found 0",
                "t.yaml:2:53: error: unknown key 'sizes' (did you mean 'size'?)",
            ])
        // path given twice, or to a dataset that reads no files.
        #expect(
            check(Self.spec(data: "{dataset: {name: cifar10, path: a}, path: b}")).messages
                == ["t.yaml:2:43: error: 'path' is given twice: in 'dataset' and here"])
        #expect(
            check(Self.spec(data: "{dataset: synthetic, path: data/x}")).messages
                == ["t.yaml:2:28: error: unknown key 'path' (valid keys: channels, classes, noise, seed, size, test, train)"])
        // A dataset mapping without its name.
        #expect(
            check(Self.spec(data: "{dataset: {path: x}}")).messages
                == ["t.yaml:2:17: error: missing required key 'name' (which dataset)"])
    }

    @Test func syntheticParamsBesideAnotherDatasetAreIgnoredWithAWarning() throws {
        let r = check(Self.spec(data: "{dataset: cifar10, batch_size: 8, synthetic: {channels: 1}}"))
        #expect(r.messages == ["t.yaml:2:41: warning: 'synthetic' is ignored: the dataset is 'cifar10', not 'synthetic'"])
        let c = try #require(r.compiled)
        #expect(c.graph[c.input].spec.shape.dims == [8, 3, 32, 32])
    }

    @Test func anUnknownDatasetNotesTheDatasetsThatNeedParams() {
        let r = check(Self.spec(data: "{dataset: imagenet, batch_size: 8}"))
        #expect(r.messages == ["t.yaml:2:17: error: unknown dataset 'imagenet' (built in: fashion_mnist, cifar10, cifar100, synthetic)"])
        #expect(
            r.rendered.contains(
                "note: 'image_folder' needs params: dataset: {name: image_folder, path: ..., classes: ..., "
                    + "size: ...}"), "\(r.rendered)")
        // A misspelt plugin-call name gets its did-you-mean too.
        #expect(
            check(Self.spec(data: "{dataset: {name: image_foldr, path: x, classes: 3, size: 8}}")).messages
                == [
                    "t.yaml:2:24: error: unknown dataset 'image_foldr' (did you mean 'image_folder'?) "
                        + "(built in: fashion_mnist, cifar10, cifar100, synthetic)"
                ])
    }

    @Test func sizeChecksUseTheStatedCountsAndWaitForTheLoadWithout() {
        // synthetic's counts come from its params, in either spelling (no subset: at the batch size).
        #expect(
            check(Self.spec(data: "{dataset: {name: synthetic, train: 6}, batch_size: 8}")).messages
                == [
                    "t.yaml:2:58: error: 6 training images make no full batch of 8 (a partial last batch is dropped, "
                        + "so no step would run)"
                ])
        #expect(
            check(Self.spec(data: "{dataset: synthetic, synthetic: {test: 10}, batch_size: 8, test_subset: 11}")).messages
                == ["t.yaml:2:79: error: test_subset 11 is more than the 10 test images of synthetic"])
        // image_folder's counts are known only once loaded: check accepts any.
        #expect(
            check(
                Self.spec(
                    data: "{dataset: {name: image_folder, path: x, classes: 3, size: 8}, validation: 100000, "
                        + "test_subset: 100000}")
            ).messages == [])
    }

    @Test func pluginsListsTheDatasetsWithTheirParams() throws {
        let r = try CLITests().canopy("plugins", "--kind", "dataset")
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "datasets:")
        #expect(
            lines.filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }.map { String($0.dropFirst(2).prefix { $0 != " " }) }
                == ["fashion_mnist", "cifar10", "cifar100", "synthetic", "image_folder"])
        #expect(lines.contains("      data: 3x32x32 images in 100 classes, 50000 train / 10000 test"))
        #expect(lines.contains("      size: int in 1...4096 (required)  side of the square every image is made, in pixels"))
        #expect(lines.contains("      seed: int >= 0 = the run's seed  seed of the class patterns and the noise"))
    }
}
