import CanopySpecs
import Testing

/// A backbone (or a node) that fails to build gives exactly its own error: references
/// to what it would have produced (trunk taps, peer branches, node outputs, the
/// ensemble, the deployed logits) stay quiet under every method, and the summary counts
/// what is printed. Mistakes independent of the failure are still reported beside it.
@Suite struct FailedPartDiagnosticsTests {
    /// The methods, written for a four-stage backbone (CSWin, ConvNeXt) or for ResNet-CIFAR's three stages.
    static func method(_ name: String, fourStages: Bool) -> String {
        let late = fourStages ? "stage3, stage4" : "stage2, stage3"
        let from = fourStages ? ", from: stage3" : ""
        switch name {
        case "kd": return "{name: kd, temperature: 4, alpha: 0.9}"
        case "dml": return "{name: dml, branches: 2}"
        case "one": return "{name: one, branches: 3\(from)}"
        case "okddip": return "{name: okddip, branches: 3\(from)}"
        case "t2b": return "{name: t2b, branches: 3, stages: [\(late)], ramp: 1}"
        default: return "{name: \(name)}"
        }
    }

    static let methods = ["baseline", "kd", "dml", "one", "okddip", "t2b"]

    /// A Fashion-MNIST spec of `method` on `backbone` (line 6); kd's teacher is a
    /// ResNet-8 checkpoint, as in specs/fashion-mnist/kd-resnet8.yaml.
    static func spec(method: String, backbone: String, fourStages: Bool) -> String {
        let teacher =
            method == "kd"
            ? """

              teacher:
                backbone: {name: resnet_cifar, depth: 8}
                checkpoint: runs/baseline-resnet8/checkpoint.safetensors
            """ : ""
        return """
            schema: canopy/1
            name: bad
            method: \(Self.method(method, fourStages: fourStages))
            data: {dataset: fashion_mnist, pad_to: 32, batch_size: 8, train_subset: 100}
            model:
              backbone: \(backbone)\(teacher)
            optimizer: {name: adamw, lr: 1.0e-3}
            train: {epochs: 100}

            """
    }

    /// A backbone mistake and the one error it gives, at the backbone (also when it is
    /// found while emitting DML's whole-network peers, which are copies of the backbone).
    struct Mistake: Sendable, CustomStringConvertible {
        var backbone: String
        var fourStages: Bool
        var position: String
        var message: String

        func expected(method: String) -> String {
            "t.yaml:\(position): error: \(message)"
        }

        var description: String { backbone }
    }

    static let mistakes = [
        Mistake(
            backbone: "{name: cswin, variant: T, split_sizes: [1, 3, 2, 2]}", fourStages: true, position: "6:20",
            message: "cswin stage 2: split size 3 does not divide the 8x8 map"),
        Mistake(
            backbone: "{name: cswin, variant: T, stem_stride: 64}", fourStages: true, position: "6:52",
            message: "must be between 1 and 16, found 64"),
        Mistake(
            backbone: "{name: cswinn, variant: T}", fourStages: true, position: "6:20",
            message: "unknown backbone 'cswinn' (did you mean 'cswin'?)"),
        Mistake(
            backbone: "{name: resnet_cifar, depth: 8, widht: 2}", fourStages: false, position: "6:44",
            message: "unknown key 'widht' (did you mean 'widths'?)"),
        Mistake(
            backbone: "{name: convnext, variant: atto, stem_stride: 16}", fourStages: true, position: "6:20",
            message: "convnext stage 3: the 1x1 map is smaller than the 2x2 downsampling conv (use a smaller stem stride or fewer stages)"),
        Mistake(
            backbone: "{name: resnet_cifar, depth: 9}", fourStages: false, position: "6:41",
            message: "depth 9 is not 6n+2 for basic blocks"),
    ]

    /// The templates are sound: with a correct backbone every method compiles.
    @Test(arguments: methods)
    func everyMethodCompilesOnCorrectBackbones(method: String) {
        for (backbone, fourStages) in [("{name: cswin, variant: T}", true), ("{name: resnet_cifar, depth: 8}", false)] {
            let r = check(Self.spec(method: method, backbone: backbone, fourStages: fourStages))
            #expect(r.messages == [], "\(method) on \(backbone)")
            #expect(r.compiled != nil, "\(method) on \(backbone)")
        }
    }

    @Test(arguments: mistakes)
    func aBackboneMistakeGivesOnlyItsOwnError(mistake: Mistake) {
        for method in Self.methods {
            let r = check(Self.spec(method: method, backbone: mistake.backbone, fourStages: mistake.fourStages))
            #expect(r.messages == [mistake.expected(method: method)], "\(method)")
            #expect(r.diagnostics.summary == "1 error", "\(method)")
            #expect(r.compiled == nil)
        }
    }

    /// A loss plugin typo, a tap the backbone does not have and an unknown value are
    /// reported beside the backbone's failure; the references to its missing taps are not.
    @Test func independentMistakesAreStillReported() {
        let r = check(
            """
            schema: canopy/1
            data: {dataset: fashion_mnist, pad_to: 32, batch_size: 8}
            model:
              backbone: {name: cswin, variant: T, split_sizes: [1, 3, 2, 2]}
            losses:
              - {name: ce, plugin: cross_entropi, inputs: {logits: trunk.logits, target: target}}
              - {name: ce2, plugin: cross_entropy, inputs: {logits: trunk.stage9, target: target}}
              - {name: ce3, plugin: cross_entropy, inputs: {logits: trunk.logits, target: targt}}
              - {name: ce4, plugin: cross_entropy, inputs: {logits: trunk.stage4, target: target}}
            optimizer: {name: adamw, lr: 1.0e-3}

            """)
        #expect(
            r.messages == [
                "t.yaml:4:20: error: cswin stage 2: split size 3 does not divide the 8x8 map",
                "t.yaml:6:24: error: unknown loss 'cross_entropi' (did you mean 'cross_entropy'?)",
                "t.yaml:7:57: error: unknown value 'trunk.stage9' (did you mean 'trunk.stage1'?)",
                "t.yaml:8:79: error: unknown value 'targt' (did you mean 'target'?)",
            ])
        #expect(r.diagnostics.summary == "4 errors")
    }

    /// A backbone that cannot be made has unknown taps: every `trunk.` name is quiet, but
    /// a branch beyond the declared count is not.
    @Test func unknownBackboneWithPeersAndEnsemble() {
        let r = check(
            """
            schema: canopy/1
            data: {dataset: fashion_mnist, pad_to: 32, batch_size: 8}
            model:
              backbone: {name: cswinn}
              branches: {count: 2, from: stage3}
              ensemble: mean
            losses:
              - {name: ce, plugin: cross_entropi, inputs: {logits: trunk.logits, target: target}}
              - {name: ce2, plugin: cross_entropy, foreach: branch, inputs: {logits: "branch[*].logits", target: target}}
              - {name: ce3, plugin: cross_entropy, inputs: {logits: "branch[2].logits", target: target}}
              - {name: ce4, plugin: cross_entropy, inputs: {logits: ensemble.logits, target: target}}
            optimizer: {name: adamw, lr: 1.0e-3}

            """)
        #expect(r.messages.count == 3)
        #expect(
            r.messages.prefix(2) == [
                "t.yaml:4:20: error: unknown backbone 'cswinn' (did you mean 'cswin'?)",
                "t.yaml:8:24: error: unknown loss 'cross_entropi' (did you mean 'cross_entropy'?)",
            ])
        #expect(
            r.messages.last == "t.yaml:10:57: error: 'branch[2].logits' names branch 2, but the model has 2 branches "
                + "(branch[0] ... branch[1])")
        #expect(r.diagnostics.summary == "3 errors")
    }

    /// T2B asks ResNet-CIFAR for a fourth stage: that one reference is the mistake; the
    /// permeation node fed by it, the branches fed by the permeation, the ensemble of the
    /// branches and every loss on them stay quiet.
    @Test func aFailedNodeSilencesItsConsumers() {
        let r = check(Self.spec(method: "t2b", backbone: "{name: resnet_cifar, depth: 8}", fourStages: true))
        #expect(r.messages == ["t.yaml:3:9: error: unknown value 'trunk.stage4' (did you mean 'trunk.stage1'?)"])
        #expect(r.diagnostics.summary == "1 error")
    }

    /// An unknown module and a bad input fail their nodes; a loss on a node that does not
    /// exist and a freeze prefix no part could own are still errors, a freeze of the
    /// failed node's parameters is not.
    @Test func failedNodesBesideIndependentMistakes() {
        let r = check(
            """
            schema: canopy/1
            data: {dataset: fashion_mnist, batch_size: 8}
            model:
              backbone: {name: resnet_cifar, depth: 8}
              branches: {count: 3, from: stage2}
              nodes:
                - {name: gate, module: one_gat, inputs: {feature: trunk.stage2, logits: "branch[*].logits"}}
                - {name: gate2, module: one_gate, inputs: {feature: trunk.stage2, logits: "branch[*].logitz"}}
              freeze: [gate., nosuch.]
            losses:
              - {name: ce, plugin: cross_entropy, inputs: {logits: gate.logits, target: target}}
              - {name: ce2, plugin: cross_entropy, inputs: {logits: gate2.logits, target: target}}
              - {name: ce3, plugin: cross_entropy, inputs: {logits: gate3.logits, target: target}}
            optimizer: {name: adamw, lr: 1.0e-3}

            """)
        #expect(r.messages.count == 4)
        #expect(
            r.messages.prefix(3) == [
                "t.yaml:7:28: error: unknown module 'one_gat' (did you mean 'one_gate'?)",
                "t.yaml:8:79: error: unknown value 'branch[0].logitz' (did you mean 'branch[0].logits'?)",
                "t.yaml:9:19: error: no parameter name starts with 'nosuch.'",
            ])
        #expect(r.messages.last?.hasPrefix("t.yaml:13:57: error: unknown value 'gate3.logits' (values: ") == true)
        #expect(r.diagnostics.summary == "4 errors")
    }

    /// KD with a teacher that cannot be made: the loss on `teacher.logits` stays quiet.
    @Test func aFailedTeacherGivesOnlyItsOwnError() {
        let text = Self.spec(method: "kd", backbone: "{name: resnet_cifar, depth: 8}", fourStages: false)
            .replacingOccurrences(of: "    backbone: {name: resnet_cifar, depth: 8}", with: "    backbone: {name: resnet_cifar, depth: 10}")
        let r = check(text)
        #expect(r.messages == ["t.yaml:8:43: error: depth 10 is not 6n+2 for basic blocks"])
        #expect(r.diagnostics.summary == "1 error")
    }

    /// A batch over the memory limit stops before any network is built; the losses are
    /// still checked against the branches the spec declares (T2B's counted branch node).
    @Test func oversizedBatchWithCountedBranchNodes() {
        let r = check(
            """
            schema: canopy/1
            method: {name: t2b, branches: 3, stages: [stage2, stage3], ramp: 1}
            data:
              dataset: synthetic
              synthetic: {channels: 64, size: 512, train: 100000}
              batch_size: 65536
            model:
              backbone: {name: resnet_cifar, depth: 8}
            optimizer: {name: adamw, lr: 1.0e-3}

            """)
        #expect(
            r.messages == [
                "t.yaml:6:15: error: a batch of 65536 images of [64x512x512] takes 4096.0 GiB, more than the 16.0 GiB memory "
                    + "limit; lower data.batch_size"
            ])
        #expect(r.diagnostics.summary == "1 error")
    }
}
