import CanopySpecs
import Testing

@Suite struct TagTests {
    @Test func customTagIsRejected() {
        let (_, diagnostics) = parse("model: !python/object:os.system {cmd: ls}\nx: !!binary aGk=\n")
        #expect(
            messages(diagnostics) == [
                "t.yaml:1:8: error: tag '!python/object:os.system' is not allowed: a spec is data and no tag runs code "
                    + "(allowed: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)",
                "t.yaml:2:4: error: tag '!!binary' is not allowed: a spec is data and no tag runs code "
                    + "(allowed: !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)",
            ])
    }

    @Test func coreTagsTypeTheirScalars() throws {
        let (node, diagnostics) = parse("a: !!str 1\nb: !!int \"7\"\nc: !!float 2\nd: ! true\ne: !!map {k: 1}\n")
        let root = try #require(node)
        #expect(diagnostics.diagnostics.isEmpty)
        #expect(root["a"]!.string == "1")
        #expect(root["b"]!.int == 7)
        #expect(root["c"]!.scalar?.value == .double(2))
        #expect(root["d"]!.string == "true")
        #expect(root["e"]!["k"]!.int == 1)
    }

    @Test func coreTagThatDoesNotFitIsAnError() {
        let (_, diagnostics) = parse("a: !!int abc\nb: !!seq {k: 1}\nc: !!map 3\n")
        #expect(
            messages(diagnostics) == [
                "t.yaml:1:4: error: 'abc' is not a valid !!int",
                "t.yaml:2:4: error: tag !!seq cannot apply to a mapping",
                "t.yaml:3:4: error: tag !!map cannot apply to a scalar",
            ])
    }
}
