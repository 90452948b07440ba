import CanopySpecs
import Testing

/// One test per class of spec mistake, each asserting the exact `file:line:col: error:
/// message` the compiler reports (the directory of the temporary file stripped).
@Suite struct DiagnosticsTests {
    /// A valid spec; tests change one line of it.
    static let valid = """
        schema: canopy/1
        data: {dataset: cifar100, batch_size: 8}
        model:
          backbone: {name: resnet_cifar, depth: 8}
        losses:
          - name: ce
            plugin: cross_entropy
            inputs: {logits: trunk.logits, target: target}
        optimizer: {name: sgd, lr: 0.1}

        """

    /// `valid` with `old` replaced by `new` (which must occur exactly once).
    static func spec(replacing old: String, with new: String) -> String {
        precondition(valid.components(separatedBy: old).count == 2, "'\(old)' must occur once")
        return valid.replacingOccurrences(of: old, with: new)
    }

    /// A peer-branch spec for reference tests.
    static let peers = """
        schema: canopy/1
        data: {dataset: cifar10, batch_size: 4}
        model:
          backbone: {name: resnet_cifar, depth: 8}
          branches: {count: 2, from: stage2}
          ensemble: mean
        losses:
          - name: ce
            plugin: cross_entropy
            foreach: branch
            inputs: {logits: "branch[*].logits", target: target}
          - name: kd
            plugin: kd_kl
            foreach: branch
            inputs: {student: "branch[*].logits", teacher: ensemble.logits}
            detach: [teacher]
        optimizer: {name: sgd, lr: 0.1}

        """

    static func peers(replacing old: String, with new: String) -> String {
        precondition(peers.components(separatedBy: old).count == 2, "'\(old)' must occur once")
        return peers.replacingOccurrences(of: old, with: new)
    }

    @Test func validSpecsCompileWithoutDiagnostics() {
        for text in [Self.valid, Self.peers] {
            let r = check(text)
            #expect(r.messages == [])
            #expect(r.compiled != nil)
        }
    }

    // MARK: Schema and document

    @Test func missingSchema() {
        let r = check(Self.spec(replacing: "schema: canopy/1\n", with: ""))
        #expect(r.messages == ["t.yaml:1:1: error: missing required key 'schema' (add 'schema: canopy/1')"])
        #expect(r.compiled == nil)
    }

    @Test func wrongSchema() {
        #expect(
            check(Self.spec(replacing: "canopy/1", with: "canopy/2")).messages
                == ["t.yaml:1:9: error: unsupported schema 'canopy/2' (this canopy reads 'canopy/1')"])
        #expect(
            check(Self.spec(replacing: "canopy/1", with: "1")).messages
                == ["t.yaml:1:9: error: expected 'schema: canopy/1', found an integer 1"])
    }

    @Test func missingSections() {
        let r = check("schema: canopy/1\ndata: {dataset: cifar10}\n")
        #expect(
            r.messages == [
                "t.yaml:1:1: error: missing required key 'model'",
                "t.yaml:1:1: error: missing required key 'losses'",
                "t.yaml:1:1: error: missing required key 'optimizer'",
            ])
    }

    @Test func unknownTopLevelKeyWithDidYouMean() {
        let r = check(Self.valid + "modle: {}\nepochs: 3\n")
        #expect(
            r.messages == [
                "t.yaml:10:1: error: unknown key 'modle' (did you mean 'model'?)",
                "t.yaml:11:1: error: unknown key 'epochs' (valid keys: schema, name, description, seed, extends, method, data, model, losses, "
                    + "optimizer, schedule, train, eval, output)",
            ])
    }

    @Test func unknownKeyInASection() {
        #expect(
            check(Self.spec(replacing: "batch_size: 8", with: "batch_sise: 8")).messages
                == ["t.yaml:2:27: error: unknown key 'batch_sise' (did you mean 'batch_size'?)"])
    }

    // MARK: Types and ranges

    @Test func wrongType() {
        #expect(
            check(Self.spec(replacing: "batch_size: 8", with: "batch_size: eight")).messages
                == ["t.yaml:2:39: error: expected an integer, found a string 'eight'"])
        #expect(
            check(Self.valid + "train: {epochs: \"10\"}\n").messages
                == ["t.yaml:10:17: error: expected an integer, found a string '10'"])
        #expect(
            check(Self.valid + "seed: 1.5\n").messages
                == ["t.yaml:10:7: error: expected an integer, found a number 1.5"])
        #expect(
            check(Self.spec(replacing: "{dataset: cifar100, batch_size: 8}", with: "cifar100")).messages
                == ["t.yaml:2:7: error: expected a mapping, found a string 'cifar100'"])
    }

    @Test func outOfRangeValues() {
        #expect(
            check(Self.spec(replacing: "batch_size: 8", with: "batch_size: 0")).messages
                == ["t.yaml:2:39: error: 'batch_size' must be between 1 and 65536, found 0"])
        #expect(
            check(Self.valid + "train: {epochs: 0, threads: 1000}\n").messages == [
                "t.yaml:10:17: error: 'epochs' must be between 1 and 100000, found 0",
                "t.yaml:10:29: error: 'threads' must be between 1 and 256, found 1000",
            ])
    }

    @Test func negativeTemperatureInLossParams() {
        let r = check(Self.peers(replacing: "    detach: [teacher]\n", with: "    detach: [teacher]\n    params: {temperature: -1}\n"))
        #expect(r.messages == ["t.yaml:17:27: error: must be greater than 0, found -1.0"])
    }

    /// An unknown key and an out-of-range value in the same params mapping are reported
    /// together, in source order: a researcher fixes both in one edit.
    @Test func unknownParamKeyAndBadValueAreReportedTogether() {
        let r = check(
            Self.peers(
                replacing: "    detach: [teacher]\n",
                with: "    detach: [teacher]\n    params: {temperature: -1, temprature: 2}\n"))
        #expect(
            r.messages == [
                "t.yaml:17:27: error: must be greater than 0, found -1.0",
                "t.yaml:17:31: error: unknown key 'temprature' (did you mean 'temperature'?)",
            ])
    }

    @Test func negativeLossWeight() {
        #expect(
            check(
                Self.spec(
                    replacing: "    inputs: {logits: trunk.logits, target: target}\n",
                    with: "    inputs: {logits: trunk.logits, target: target}\n    weight: -0.5\n")
            ).messages
                == ["t.yaml:9:13: error: a loss weight must be a finite number at least 0, found a number -0.5"])
    }

    @Test func badWeightSchedule() {
        #expect(
            check(
                Self.spec(
                    replacing: "    inputs: {logits: trunk.logits, target: target}\n",
                    with: "    inputs: {logits: trunk.logits, target: target}\n    weight: {ramp: 10, linear: 5}\n")
            ).messages
                == ["t.yaml:9:13: error: a weight schedule needs exactly one of 'ramp' or 'linear' (epochs)"])
        #expect(
            check(
                Self.spec(
                    replacing: "    inputs: {logits: trunk.logits, target: target}\n",
                    with: "    inputs: {logits: trunk.logits, target: target}\n    weight: {rmp: 10}\n")
            ).messages
                == [
                    "t.yaml:9:13: error: a weight schedule needs exactly one of 'ramp' or 'linear' (epochs)",
                    "t.yaml:9:14: error: unknown key 'rmp' (did you mean 'ramp'?)",
                ])
    }

    // MARK: Plugins

    @Test func unknownPluginsWithDidYouMean() {
        var text = Self.spec(replacing: "name: resnet_cifar", with: "name: resnet_cifa")
        #expect(check(text).messages == ["t.yaml:4:20: error: unknown backbone 'resnet_cifa' (did you mean 'resnet_cifar'?)"])
        text = Self.spec(replacing: "plugin: cross_entropy", with: "plugin: cross_entropi")
        #expect(check(text).messages == ["t.yaml:7:13: error: unknown loss 'cross_entropi' (did you mean 'cross_entropy'?)"])
        text = Self.spec(replacing: "name: sgd", with: "name: sgdd")
        #expect(check(text).messages == ["t.yaml:9:19: error: unknown optimizer 'sgdd' (did you mean 'sgd'?)"])
        text = Self.valid + "schedule: {name: cosin}\n"
        #expect(check(text).messages == ["t.yaml:10:18: error: unknown schedule 'cosin' (did you mean 'cosine'?)"])
        text = Self.valid + "eval:\n  metrics: [{name: top_kk}]\n"
        #expect(check(text).messages == ["t.yaml:11:20: error: unknown metric 'top_kk' (did you mean 'top_k'?)"])
    }

    @Test func unknownPluginParamKeyIsLocatedAtTheKey() {
        #expect(
            check(Self.spec(replacing: "lr: 0.1}", with: "lr: 0.1, momentun: 0.9}")).messages
                == ["t.yaml:9:33: error: unknown key 'momentun' (did you mean 'momentum'?)"])
        #expect(
            check(Self.spec(replacing: "depth: 8}", with: "depth: 8, widht: [8, 16, 32]}")).messages
                == ["t.yaml:4:44: error: unknown key 'widht' (did you mean 'widths'?)"])
        #expect(
            check(
                Self.spec(
                    replacing: "    inputs: {logits: trunk.logits, target: target}\n",
                    with: "    inputs: {logits: trunk.logits, target: target}\n    params:\n      label_smothing: 0.1\n")
            ).messages
                == ["t.yaml:10:7: error: unknown key 'label_smothing' (did you mean 'label_smoothing'?)"])
        #expect(
            check(Self.valid + "eval:\n  metrics: [{name: top_k, kk: 5}]\n").messages
                == ["t.yaml:11:27: error: unknown key 'kk' (did you mean 'k'?)"])
    }

    @Test func badPluginParamValues() {
        #expect(
            check(Self.spec(replacing: "lr: 0.1}", with: "lr: fast}")).messages
                == ["t.yaml:9:28: error: expected a number, found a string \"fast\""])
        #expect(
            check(Self.spec(replacing: "depth: 8}", with: "depth: 8, block: wide}")).messages
                == ["t.yaml:4:51: error: unknown block 'wide' (basic or bottleneck)"])
    }

    @Test func badDepthForResNetCIFAR() {
        #expect(
            check(Self.spec(replacing: "depth: 8", with: "depth: 9")).messages
                == ["t.yaml:4:41: error: depth 9 is not 6n+2 for basic blocks"])
        #expect(
            check(Self.spec(replacing: "depth: 8", with: "depth: 21, block: bottleneck")).messages
                == ["t.yaml:4:41: error: depth 21 is not 9n+2 for bottleneck blocks"])
        #expect(
            check(Self.spec(replacing: "{name: resnet_cifar, depth: 8}", with: "{name: resnet_cifar}")).messages
                == ["t.yaml:4:13: error: missing required key 'depth'"])
    }

    /// A bad branch point stops the network, but the losses, optimizer and metrics are
    /// still checked, so their problems are reported in the same run.
    @Test func badBranchPoint() {
        let r = check(
            Self.peers(replacing: "from: stage2", with: "from: stage3")
                .replacingOccurrences(of: "lr: 0.1}", with: "lr: 0.1, nesterof: true}"))
        #expect(
            r.messages == [
                "t.yaml:5:30: error: resnet_cifar cannot fork after 'stage3' (branch points: input, stage1, stage2) (did you mean 'stage1'?)",
                "t.yaml:17:33: error: unknown key 'nesterof' (did you mean 'nesterov'?)",
            ])
        #expect(check(Self.peers(replacing: "from: stage2", with: "from: trunk.stage1")).messages == [])
    }

    // MARK: References

    @Test func unknownValueReference() {
        #expect(
            check(Self.spec(replacing: "logits: trunk.logits", with: "logits: trunk.logit")).messages
                == ["t.yaml:8:22: error: unknown value 'trunk.logit' (did you mean 'trunk.logits'?)"])
        #expect(
            check(Self.peers(replacing: "teacher: ensemble.logits", with: "teacher: ensemble.logit")).messages
                == ["t.yaml:15:52: error: unknown value 'ensemble.logit' (did you mean 'ensemble.logits'?)"])
        #expect(
            check(Self.spec(replacing: "logits: trunk.logits", with: "logits: zzz")).messages == [
                "t.yaml:8:22: error: unknown value 'zzz' (values: deploy.logits, input, target, trunk.feature, trunk.logits, "
                    + "trunk.stage1, trunk.stage2, trunk.stage3, trunk.stem)"
            ])
    }

    @Test func unknownDeployAndFreeze() {
        let r = check(
            Self.peers(
                replacing: "  ensemble: mean\n",
                with: "  ensemble: mean\n  deploy: branch[2].logits\n  freeze: [conv1, layer9]\n"))
        #expect(
            r.messages == [
                "t.yaml:7:11: error: 'branch[2].logits' names branch 2, but the model has 2 branches (branch[0] ... branch[1])",
                "t.yaml:8:19: error: no parameter name starts with 'layer9'",
            ])
    }

    @Test func starWithoutForeach() {
        let r = check(Self.peers(replacing: "    plugin: cross_entropy\n    foreach: branch\n", with: "    plugin: cross_entropy\n"))
        #expect(r.messages == ["t.yaml:10:22: error: '[*]' needs 'foreach: branch' on the loss"])
    }

    @Test func foreachWithoutStar() {
        let r = check(
            Self.peers(
                replacing: "{logits: \"branch[*].logits\", target: target}",
                with: "{logits: ensemble.logits, target: target}"))
        #expect(r.messages == ["t.yaml:10:14: error: 'foreach: branch' needs an input with '[*]' (e.g. branch[*].logits)"])
    }

    @Test func foreachWithoutBranchesAndUnknownForeach() {
        let r = check(
            Self.spec(replacing: "    plugin: cross_entropy\n", with: "    plugin: cross_entropy\n    foreach: branch\n")
                .replacingOccurrences(of: "logits: trunk.logits", with: "logits: \"branch[*].logits\""))
        #expect(r.messages == ["t.yaml:8:14: error: 'foreach: branch' but the model has no branches"])
        #expect(
            check(Self.peers(replacing: "    plugin: kd_kl\n    foreach: branch\n", with: "    plugin: kd_kl\n    foreach: peer\n"))
                .messages.first == "t.yaml:14:14: error: unknown foreach 'peer' (foreach: branch expands [*] over the branches)")
    }

    @Test func detachOfANonInput() {
        #expect(
            check(Self.peers(replacing: "detach: [teacher]", with: "detach: [teachr]")).messages
                == ["t.yaml:16:14: error: cannot detach 'teachr': kd_kl has no such input (did you mean 'teacher'?)"])
    }

    /// The YAML mistake this schema invites: an unquoted reference with brackets inside `{...}`.
    @Test func unquotedBracketReferenceInAFlowMapping() {
        let r = check(
            Self.peers(
                replacing: "{student: \"branch[*].logits\", teacher: ensemble.logits}",
                with: "{student: branch[*].logits, teacher: ensemble.logits}"))
        #expect(
            r.messages == [
                "t.yaml:15:29: error: did not find expected ',' or '}' (inside [...] or {...}, quote a value "
                    + "that contains brackets: \"branch[0].logits\")"
            ])
    }

    @Test func missingAndExtraLossInputs() {
        #expect(
            check(Self.spec(replacing: "{logits: trunk.logits, target: target}", with: "{logits: trunk.logits}")).messages
                == ["t.yaml:6:5: error: loss 'ce' does not give cross_entropy's input 'target'"])
        #expect(
            check(Self.spec(replacing: "target: target}", with: "target: target, labels: target}")).messages
                == ["t.yaml:8:60: error: cross_entropy has no input 'labels' (inputs: logits, target)"])
        #expect(
            check(Self.spec(replacing: "    inputs: {logits: trunk.logits, target: target}\n", with: "")).messages
                == [
                    "t.yaml:6:5: error: missing required key 'inputs'",
                    "t.yaml:6:5: error: loss 'ce' does not give cross_entropy's input 'logits'",
                    "t.yaml:6:5: error: loss 'ce' does not give cross_entropy's input 'target'",
                ])
    }

    /// The loss that reads the ensemble stays quiet: the ensemble's own error is the cause.
    @Test func ensembleNeedsTwoBranches() {
        #expect(
            check(Self.peers(replacing: "count: 2", with: "count: 1")).messages
                == ["t.yaml:6:13: error: 'ensemble: mean' needs at least 2 branches"])
    }

    // MARK: Overrides and extends

    @Test func overrideErrors() {
        let r = check(Self.valid, overrides: ["data.batch_size=abc", "optimizer.lr.x=1", "losses.3.name=x", "epochs"])
        #expect(
            r.messages == [
                "<command line>:1:17: error: expected an integer, found a string 'abc'",
                "<command line>:2:14: error: cannot set 'optimizer.lr.x': 'optimizer.lr' is a number 0.1, not a mapping",
                "<command line>:3:8: error: index 3 is out of range: 'losses' has 1 item",
                "<command line>:4:1: error: override 'epochs' has no '=': write path=value",
            ])
        #expect(r.diagnostics.sorted[1].notes.map { r.strip($0.description) } == ["t.yaml:9:28: note: 'optimizer.lr' is set here"])
    }

    @Test func overridesApplyBeforeValidation() throws {
        let r = check(Self.valid, overrides: ["model.backbone.depth=14", "data.batch_size=2", "train.epochs=3"])
        #expect(r.messages == [])
        let compiled = try #require(r.compiled)
        #expect(compiled.spec.data.batchSize == 2 && compiled.spec.train.epochs == 3)
        #expect(compiled.values["trunk.logits"].map { compiled.graph[$0].spec.description } == "[2x100]")
        #expect(
            check(Self.valid, overrides: ["model.backbone.depth=10"]).messages
                == ["<command line>:1:22: error: depth 10 is not 6n+2 for basic blocks"])
    }

    @Test func extendsChainMergesIntoAValidSpec() throws {
        let files = [
            "base/common.yaml": """
            schema: canopy/1
            data: {dataset: cifar100, batch_size: 64, flip: true}
            optimizer: {name: sgd, lr: 0.1, momentum: 0.9}
            train: {epochs: 200}

            """,
            "base/resnet.yaml": """
            extends: common.yaml
            model:
              backbone: {name: resnet_cifar, depth: 8}
            losses:
              - name: ce
                plugin: cross_entropy
                inputs: {logits: trunk.logits, target: target}

            """,
        ]
        let r = check("extends: base/resnet.yaml\ndata: {batch_size: 4}\noptimizer: {lr: 0.05}\n", files: files)
        #expect(r.messages == [])
        let spec = try #require(r.compiled).spec
        #expect(spec.data.batchSize == 4 && spec.data.flip && spec.data.dataset == "cifar100")
        #expect(spec.train.epochs == 200)
        #expect(spec.optimizer.params.description.contains("0.05"))
        #expect(spec.name == "t")

        // An error in a base is reported in the base's file.
        let bad = check("extends: base/resnet.yaml\n", files: files.merging(["base/common.yaml": "schema: canopy/1\nseeed: 1\n"]) { $1 })
        #expect(
            bad.messages == [
                "base/common.yaml:2:1: error: unknown key 'seeed' (did you mean 'seed'?)",
                "t.yaml:1:1: error: missing required key 'data'",
                "t.yaml:1:1: error: missing required key 'optimizer'",
            ])
    }

    // MARK: Shapes and reporting

    /// kd_kl between logits and a stage-2 feature map: the mismatch is reported at the
    /// loss (the consumer) with a note at the backbone that produced the input.
    @Test func shapeMismatchAtTheConsumerWithANoteAtTheProducer() {
        let text = Self.peers(replacing: "teacher: ensemble.logits}\n    detach: [teacher]\n", with: "teacher: trunk.stage2}\n")
        #expect(
            check(text).rendered == """
                t.yaml:12:5: error: loss.kd[0]: kd_kl teacher logits [4x32x16x16] must have the student's shape [4x10] (input 'teacher' is layer2.0.relu [4x32x16x16])
                   12 |   - name: kd
                      |     ^
                t.yaml:4:20: note: the input is produced here
                    4 |   backbone: {name: resnet_cifar, depth: 8}
                      |                    ^~~~~~~~~~~~
                t.yaml:12:5: error: loss.kd[1]: kd_kl teacher logits [4x32x16x16] must have the student's shape [4x10] (input 'teacher' is layer2.0.relu [4x32x16x16])
                   12 |   - name: kd
                      |     ^
                t.yaml:4:20: note: the input is produced here
                    4 |   backbone: {name: resnet_cifar, depth: 8}
                      |                    ^~~~~~~~~~~~

                """)
        // Through `detach` the note still points at the producer, not at the detached copy.
        let detached = check(Self.peers(replacing: "teacher: ensemble.logits", with: "teacher: trunk.stage2"))
        #expect(
            detached.diagnostics.sorted.map { $0.notes.map { detached.strip($0.description) } }
                == [["t.yaml:4:20: note: the input is produced here"], ["t.yaml:4:20: note: the input is produced here"]])
    }

    @Test func everyErrorOfAFileIsReportedSortedByPosition() {
        let r = check(
            """
            schema: canopy/2
            model:
              backbone: {name: resnet_cifar, depth: 8}
              branches: {count: 2, from: stage2}
            data: {dataset: cifar100, batch_size: 0}
            optimizer: {name: sgdd, lr: 0.1}
            losses:
              - name: ce
                plugin: cross_entropi
                inputs: {logits: trunk.logit, target: target}
              - name: kd
                plugin: kd_kl
                inputs: {student: "branch[*].logits", teacher: trunk.logits}
            train: {epochs: many}
            modle: {}

            """)
        #expect(
            r.messages == [
                "t.yaml:1:9: error: unsupported schema 'canopy/2' (this canopy reads 'canopy/1')",
                "t.yaml:5:39: error: 'batch_size' must be between 1 and 65536, found 0",
                "t.yaml:6:19: error: unknown optimizer 'sgdd' (did you mean 'sgd'?)",
                "t.yaml:9:13: error: unknown loss 'cross_entropi' (did you mean 'cross_entropy'?)",
                "t.yaml:13:23: error: '[*]' needs 'foreach: branch' on the loss",
                "t.yaml:14:17: error: expected an integer, found a string 'many'",
                "t.yaml:15:1: error: unknown key 'modle' (did you mean 'model'?)",
            ])
        #expect(r.compiled == nil)
        #expect(r.diagnostics.summary == "7 errors")
    }
}
