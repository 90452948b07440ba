import CanopyRuntime
import CanopySpecs
import Testing

/// Changing what a method expansion wrote: a mapping over a list of named items
/// patches items by name or index (in the spec, in a base, or with `--set`), a new name
/// appends a term, and a bad method key is one error listing the valid keys.
@Suite struct MethodPatchTests {
    static let one = """
        schema: canopy/1
        method: {name: one, branches: 4, from: stage2, ramp: 2}
        data: {dataset: cifar100, batch_size: 8}
        model:
          backbone: {name: resnet_cifar, depth: 8}
        optimizer: {name: sgd, lr: 0.1}

        """

    func loss(_ r: Checked, _ name: String) -> LossSpec? { r.compiled?.spec.losses.first { $0.name == name } }

    @Test func aMappingPatchesAnExpandedTermByName() throws {
        let r = check(Self.one + "losses:\n  ce_branches: {params: {label_smoothing: 0.1}}\n")
        #expect(r.messages == [])
        let ce = try #require(loss(r, "ce_branches"))
        #expect(ce.plugin.params["label_smoothing"] == .double(0.1))
        #expect(ce.foreach != nil)
        #expect(r.compiled?.spec.losses.map(\.name) == ["ce_branches", "ce_ensemble", "kl_branches"])
    }

    @Test func overridesPatchByNameOrIndex() throws {
        let r = check(Self.one, overrides: ["losses.ce_branches.params.label_smoothing=0.1", "losses.2.weight.max=0.5"])
        #expect(r.messages == [])
        #expect(loss(r, "ce_branches")?.plugin.params["label_smoothing"] == .double(0.1))
        let kl = try #require(loss(r, "kl_branches"))
        #expect(kl.weight.value(epoch: 5) == 0.5)
        #expect(kl.plugin.params["temperature"] == .double(3))
    }

    @Test func aNewNameAppendsATerm() throws {
        let r = check(
            Self.one + """
                losses:
                  ce_trunk_free: {plugin: cross_entropy, inputs: {logits: "branch[1].logits", target: target}, weight: 0.5}

                """)
        #expect(r.messages == [])
        #expect(r.compiled?.spec.losses.map(\.name) == ["ce_branches", "ce_ensemble", "kl_branches", "ce_trunk_free"])
    }

    @Test func anIndexPastTheEndIsPositioned() {
        let r = check(Self.one, overrides: ["losses.3.weight=2"])
        #expect(
            r.messages == [
                "<command line>:1:8: error: index 3 is out of range: the list has 3 items "
                    + "(ce_branches, ce_ensemble, kl_branches)"
            ])
    }

    @Test func aBasePatchesItsOwnBase() throws {
        let base = Self.one
        let r = check("extends: base.yaml\nlosses: {ce_ensemble: {weight: 2}}\n", files: ["base.yaml": base])
        #expect(r.messages == [])
        #expect(loss(r, "ce_ensemble")?.weight.value(epoch: 0) == 2)
    }

    @Test func anUnknownMethodKeyIsOneErrorListingTheValidKeys() {
        let r = check(Self.one.replacingOccurrences(of: "ramp: 2}", with: "ramp: 2, label_smoothing: 0.1}"))
        #expect(
            r.messages == [
                "t.yaml:2:57: error: unknown key 'label_smoothing' "
                    + "(valid keys: branches, from, ramp, teacher_eps, temperature)"
            ])
    }

    @Test func anUnknownMethodIsOneError() {
        let r = check(Self.one.replacingOccurrences(of: "name: one,", with: "name: onee,"))
        #expect(r.messages.count == 1)
        #expect(r.messages.first?.hasPrefix("t.yaml:2:16: error: ") == true)
        #expect(r.messages.first?.contains("'one'") == true)
    }
}

/// `canopy plan --dump method` prints a spec that can be saved and used as it is.
@Suite struct ExpandedSpecTests {
    @Test(arguments: allSpecFiles())
    func theExpansionIsASpecThatExpandsToItself(_ file: String) throws {
        let diagnostics = DiagnosticEngine()
        let path = specsFolder.appendingPathComponent(file).path
        let loaded = try #require(SpecFrontEnd.load(path, overrides: [], diagnostics: diagnostics))
        let emitted = YAMLEmitter.emit(MethodExpansion.apply(loaded, plugins: builtIns, diagnostics: diagnostics))
        #expect(!emitted.contains("\"schema\""))
        if loaded["method"] != nil { #expect(emitted.hasPrefix("schema: canopy/1\n")) }
        let r = check(emitted)
        #expect(r.messages == [])
        let again = SpecFrontEnd.load(r.directory + "/t.yaml", overrides: [], diagnostics: r.diagnostics)
        #expect(again.map(YAMLEmitter.emit) == emitted)
    }
}
