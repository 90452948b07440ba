import CanopySpecs
import Foundation
import Testing

/// The mistakes a new user makes on a first spec (issue 10): each is found by `check`,
/// reported once, at its line, with what would be right.
@Suite struct FirstUseDiagnosticsTests {
    static let valid = DiagnosticsTests.valid
    static func spec(_ old: String, _ new: String) -> String { DiagnosticsTests.spec(replacing: old, with: new) }
    static func peers(_ old: String, _ new: String) -> String { DiagnosticsTests.peers(replacing: old, with: new) }
    static func named(_ name: String) -> String { spec("schema: canopy/1\n", "schema: canopy/1\nname: \(name)\n") }

    // MARK: Run names

    @Test func aRunNameIsOnePathComponent() {
        let component = "a run name is one path component of letters, digits, '-', '_' and '.'"
        #expect(
            check(Self.named("../../escape")).messages
                == ["t.yaml:2:7: error: run name '../../escape' has '/': \(component)"])
        #expect(check(Self.named("/abs")).messages == ["t.yaml:2:7: error: run name '/abs' has '/': \(component)"])
        #expect(
            check(Self.named("..")).messages
                == ["t.yaml:2:7: error: run name '..' names a directory outside output.dir"])
        #expect(
            check(Self.named("\".\"")).messages
                == ["t.yaml:2:7: error: run name '.' names a directory outside output.dir"])
        #expect(check(Self.named("\"\"")).messages == ["t.yaml:2:7: error: run name '' is empty"])
        #expect(check(Self.named("\"a b\"")).messages == ["t.yaml:2:7: error: run name 'a b' has ' ': \(component)"])
        #expect(check(Self.named("resnet-20_v1.2")).messages == [])
    }

    @Test func aNameFromTheFileNameFollowsTheSameRule() {
        let directory = temporaryDirectory()
        write(Self.valid, to: "\(directory)/my spec.yaml")
        let diagnostics = DiagnosticEngine()
        _ = SpecFrontEnd.compile("\(directory)/my spec.yaml", overrides: [], plugins: builtIns, diagnostics: diagnostics)
        #expect(
            diagnostics.sorted.map { $0.description.replacingOccurrences(of: directory + "/", with: "") } == [
                "my spec.yaml:1:1: error: run name 'my spec' has ' ': a run name is one path component of letters, "
                    + "digits, '-', '_' and '.' (the name comes from the file name; set 'name:')"
            ])
    }

    @Test func anEmptyOutputDirectoryIsAnError() {
        #expect(
            check(Self.valid + "output: {dir: \"\"}\n").messages
                == ["t.yaml:10:15: error: 'output.dir' is empty (give a directory, such as runs)"])
    }

    // MARK: Data sizes

    @Test func aSubsetSmallerThanTheBatchIsFoundByCheck() {
        #expect(
            check(Self.spec("batch_size: 8}", "batch_size: 8, train_subset: 4}")).messages == [
                "t.yaml:2:56: error: 4 training images make no full batch of 8 (a partial last batch is dropped, "
                    + "so no step would run)"
            ])
    }

    @Test func aValidationSplitOfTheWholeSetIsFoundByCheck() {
        #expect(
            check(Self.spec("batch_size: 8}", "batch_size: 8, validation: 50000}")).messages
                == ["t.yaml:2:54: error: a validation split of 50000 leaves no training image: cifar100 has 50000"])
    }

    @Test func subsetsLargerThanTheSetAreFoundByCheck() {
        #expect(
            check(Self.spec("batch_size: 8}", "batch_size: 8, validation: 5000, train_subset: 46000}")).messages
                == [
                    "t.yaml:2:74: error: train_subset 46000 is more than the 45000 training images of cifar100 left "
                        + "after the validation split of 5000"
                ])
        #expect(
            check(Self.spec("batch_size: 8}", "batch_size: 8, test_subset: 20000}")).messages
                == ["t.yaml:2:55: error: test_subset 20000 is more than the 10000 test images of cifar100"])
        #expect(
            check(
                Self.spec(
                    "{dataset: cifar100, batch_size: 8}",
                    "{dataset: synthetic, synthetic: {train: 6}, batch_size: 8}")
            ).messages
                == [
                    "t.yaml:2:63: error: 6 training images make no full batch of 8 (a partial last batch is dropped, "
                        + "so no step would run)"
                ])
    }

    // MARK: Names of plugins and values

    @Test func anUnknownDatasetIsReportedOnceAndThePluginsAreStillChecked() {
        let r = check(Self.spec("cifar100", "fashion-mnist").replacingOccurrences(of: "cross_entropy", with: "cross_entropyy"))
        #expect(
            r.messages == [
                "t.yaml:2:17: error: unknown dataset 'fashion-mnist' (did you mean 'fashion_mnist'?) "
                    + "(built in: fashion_mnist, cifar10, cifar100, synthetic)",
                "t.yaml:7:13: error: unknown loss 'cross_entropyy' (did you mean 'cross_entropy'?)",
            ])
        #expect(
            check(Self.spec("cifar100", "fashion-mnist").replacingOccurrences(of: "resnet_cifar", with: "resnet_cifa"))
                .messages.contains("t.yaml:4:20: error: unknown backbone 'resnet_cifa' (did you mean 'resnet_cifar'?)"))
    }

    @Test func theStartOfABackboneNameSuggestsIt() {
        let r = check(Self.spec("name: resnet_cifar, depth: 8", "name: conv, depth: 8"))
        #expect(r.messages == ["t.yaml:4:20: error: unknown backbone 'conv' (did you mean 'convnext'?)"])
    }

    @Test func anUnknownPluginWithNothingCloseListsTheRegisteredOnes() throws {
        let r = check(Self.spec("name: sgd", "name: lion"))
        let message = try #require(r.messages.first)
        #expect(r.messages.count == 1)
        #expect(message.hasPrefix("t.yaml:9:19: error: unknown optimizer 'lion' (registered: sgd"))
        #expect(message.hasSuffix(")"))
    }

    @Test func aBranchPastTheLastNamesTheRange() {
        #expect(
            check(Self.peers("teacher: ensemble.logits", "teacher: \"branch[2].logits\"")).messages
                == [
                    "t.yaml:15:52: error: 'branch[2].logits' names branch 2, but the model has 2 branches "
                        + "(branch[0] ... branch[1])"
                ])
        #expect(
            check(Self.peers("  ensemble: mean\n", "  ensemble: mean\n  deploy: \"branch[5].logits\"\n")).messages
                == [
                    "t.yaml:7:11: error: 'branch[5].logits' names branch 5, but the model has 2 branches "
                        + "(branch[0] ... branch[1])"
                ])
    }

    @Test func everyBadInputOfALossIsReported() {
        let r = check(Self.spec("{logits: trunk.logits, target: target}", "{logits: trunk.logit, target: targt}"))
        #expect(
            r.messages == [
                "t.yaml:8:22: error: unknown value 'trunk.logit' (did you mean 'trunk.logits'?)",
                "t.yaml:8:43: error: unknown value 'targt' (did you mean 'target'?)",
            ])
    }

    @Test func aBadInputOfAForeachLossIsReportedOnce() {
        let r = check(
            Self.peers(
                "{student: \"branch[*].logits\", teacher: ensemble.logits}",
                "{student: \"branch[*].logitz\", teacher: ensemble.logits}"))
        #expect(r.messages.count == 1)
        #expect(r.messages.first?.hasPrefix("t.yaml:15:23: error: unknown value 'branch[0].logitz'") == true)
    }

    // MARK: Weight schedules

    @Test func aRampLongerThanTheRunIsAWarning() {
        let r = check(
            Self.spec(
                "    inputs: {logits: trunk.logits, target: target}\n",
                "    inputs: {logits: trunk.logits, target: target}\n    weight: {ramp: 80}\n")
                + "train: {epochs: 3}\n")
        #expect(
            r.messages == [
                "t.yaml:9:13: warning: the weight of 'ce' ramps up over 80 epochs but the run has 3: "
                    + "its last epoch uses 0.0086 of the full weight"
            ])
        #expect(r.compiled != nil)
        let linear = check(
            Self.spec(
                "    inputs: {logits: trunk.logits, target: target}\n",
                "    inputs: {logits: trunk.logits, target: target}\n    weight: {linear: 10}\n")
                + "train: {epochs: 10}\n")
        #expect(linear.messages == [])
    }

    @Test func onesDefaultRampOnAShortRunIsAWarning() {
        let r = check(
            """
            schema: canopy/1
            method: {name: one, branches: 3}
            data: {dataset: cifar10, batch_size: 8}
            model:
              backbone: {name: resnet_cifar, depth: 8}
            optimizer: {name: sgd, lr: 0.1}
            train: {epochs: 3}

            """)
        #expect(r.diagnostics.errorCount == 0)
        #expect(r.messages.contains { $0.contains("warning: the weight of 'kl_branches' ramps up over 80 epochs but the run has 3") })
    }

    // MARK: extends

    @Test func extendingADocumentThatIsNotAMappingIsAnError() {
        let r = check("extends: base.yaml\n" + Self.valid, files: ["base.yaml": "- a\n- b\n"])
        #expect(r.messages.count == 1)
        #expect(
            r.messages.first?.hasPrefix(
                "t.yaml:1:10: error: cannot extend 'base.yaml': its document is a list, not a mapping of spec keys (") == true)
    }

    /// Before the fix this test hung in `open`. It has no time limit: under a full
    /// parallel test run on two cores a limit measures the scheduler, not the code.
    @Test func extendingAFIFOWithNoWriterDoesNotHang() throws {
        let directory = temporaryDirectory()
        #expect(mkfifo("\(directory)/base.yaml", 0o600) == 0)
        write("extends: base.yaml\n" + Self.valid, to: "\(directory)/t.yaml")
        let diagnostics = DiagnosticEngine()
        _ = SpecFrontEnd.compile("\(directory)/t.yaml", overrides: [], plugins: builtIns, diagnostics: diagnostics)
        #expect(
            diagnostics.sorted.map { $0.description.replacingOccurrences(of: directory + "/", with: "") } == [
                "t.yaml:1:10: error: cannot extend 'base.yaml': is a FIFO and nothing was written to it (base.yaml)"
            ])
    }
}
