import Testing

@testable import CanopySpecs

/// The emitter writes YAML a person would write, and what it writes parses back to the
/// same typed tree, whatever the strings hold.
@Suite struct YAMLEmitterTests {
    /// Every scalar's text and kind, and every key, in document order.
    func shape(_ node: Node) -> String {
        switch node.content {
        case .scalar: return node.scalar.map { "\($0.value)" } ?? "null"
        case let .sequence(items): return "[" + items.map(shape).joined(separator: ",") + "]"
        case let .mapping(pairs): return "{" + pairs.map { "\($0.name)=" + shape($0.value) }.joined(separator: ",") + "}"
        }
    }

    func roundTrip(_ text: String) throws -> (emitted: String, same: Bool) {
        let original = try #require(parse(text).node)
        let emitted = YAMLEmitter.emit(original)
        let (back, diagnostics) = parse(emitted)
        #expect(diagnostics.diagnostics.isEmpty, "\(emitted)")
        return (emitted, shape(try #require(back)) == shape(original))
    }

    @Test func readsLikeHandWrittenYAML() throws {
        let (emitted, same) = try roundTrip(
            """
            schema: canopy/1
            model: {backbone: {name: resnet_cifar, depth: 8}, branches: {count: 3, from: stage2}}
            losses:
              - {name: kd, plugin: kd_kl, inputs: {student: "branch[*].logits", teacher: ensemble.logits}, detach: [teacher]}
            eval: {metrics: [{name: top_k, k: [1, 5]}]}
            """)
        #expect(same)
        #expect(
            emitted == """
                schema: canopy/1
                model:
                  backbone:
                    name: resnet_cifar
                    depth: 8
                  branches:
                    count: 3
                    from: stage2
                losses:
                  - name: kd
                    plugin: kd_kl
                    inputs:
                      student: branch[*].logits
                      teacher: ensemble.logits
                    detach: [teacher]
                eval:
                  metrics:
                    - name: top_k
                      k: [1, 5]

                """)
    }

    @Test(arguments: [
        "true", "no", "1e5", "0x1F", "12", "-3", ".nan", "null", "~", "", " lead", "trail ", "a: b", "a #b",
        "#x", "- x", "[x]", "{x}", "x, y", "*alias", "&anchor", "!tag", "%x", "@x", "`x`", "'q'", "\"q\"",
        "two  spaces", "tab\there", "line\nbreak", "ünï", "x:", "?x", "|x", ">x", "a,b",
    ])
    func awkwardStringsSurviveAsValuesKeysAndListItems(_ text: String) throws {
        let node = Node.mapping(
            [
                .init(key: .string(text, at: .file("t")), value: .string(text, at: .file("t"))),
                .init(key: .string("list", at: .file("t")), value: .sequence([.string(text, at: .file("t"))], at: .file("t"))),
            ], at: .file("t"))
        let emitted = YAMLEmitter.emit(node)
        let back = try #require(parse(emitted).node, "\(emitted)")
        #expect(back.pairs?.first?.name == text, "\(emitted)")
        #expect(back.pairs?.first?.value.string == text, "\(emitted)")
        #expect(back["list"]?.items?.first?.string == text, "\(emitted)")
    }

    @Test func plainOnlyWhenSafe() {
        #expect(YAMLEmitter.isPlainSafe("branch[*].logits", flow: false))
        #expect(!YAMLEmitter.isPlainSafe("branch[*].logits", flow: true))
        #expect(YAMLEmitter.isPlainSafe("trunk.stage2", flow: true))
        #expect(!YAMLEmitter.isPlainSafe("3", flow: false))
        #expect(!YAMLEmitter.isPlainSafe("true", flow: false))
        #expect(!YAMLEmitter.isPlainSafe("a: b", flow: false))
    }

    @Test func nestedListsAndEmptyCollections() throws {
        let (_, same) = try roundTrip("a: [[1, 2], [], {}]\nb: {}\nc: []\nd: [{x: 1, y: [2]}, 3]\ne:\n  - - 1\n    - {z: 2}\n")
        #expect(same)
    }
}
