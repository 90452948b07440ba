import CanopySpecs
import Testing

@Suite struct AnchorAliasTests {
    @Test func aliasSharesTheAnchoredSubtree() throws {
        let (node, diagnostics) = parse(
            """
            base: &b {lr: 0.1, momentum: 0.9}
            a: *b
            list: [&x 3, *x]

            """)
        let root = try #require(node)
        #expect(diagnostics.diagnostics.isEmpty)
        #expect(root["a"]!.paramValue == root["base"]!.paramValue)
        #expect("\(root["a"]!.mark)" == "t.yaml:2:4")
        #expect("\(root["a"]!["lr"]!.mark)" == "t.yaml:1:15")
        #expect(root["list"]!.items!.map(\.int) == [3, 3])
    }

    @Test func mergeKeyCopiesMissingKeys() throws {
        let (node, diagnostics) = parse(
            """
            defaults: &d {lr: 0.1, momentum: 0.9}
            sgd:
              <<: *d
              lr: 0.5

            """)
        let root = try #require(node)
        #expect(diagnostics.diagnostics.isEmpty)
        #expect(root["sgd"]!.pairs!.map(\.name) == ["momentum", "lr"])
        #expect(root["sgd"]!["lr"]!.double == 0.5)
        #expect(root["sgd"]!["momentum"]!.double == 0.9)
    }

    @Test func unknownAnchorIsAnErrorWithSuggestion() {
        let (node, diagnostics) = parse("a: &base 1\nb: *bsae\n")
        #expect(node != nil)
        #expect(messages(diagnostics) == ["t.yaml:2:4: error: unknown anchor 'bsae' (did you mean 'base'?)"])
    }

    @Test func recursiveAliasIsAnError() {
        let (_, diagnostics) = parse("a: &x [1, *x]\n")
        #expect(messages(diagnostics) == ["t.yaml:1:11: error: alias '*x' refers to a node that contains it"])
    }

    @Test func billionLaughsIsStopped() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let (node, diagnostics) = parse(text)
        #expect(node == nil)
        #expect(messages(diagnostics) == ["t.yaml:6:45: error: the document expands to more than 1000000 nodes through its aliases"])
    }

    @Test func aliasesCannotNestPastTheDepthLimit() {
        var text = "a0: &a0 " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n"
        text += "a1: " + String(repeating: "[", count: 60) + "*a0" + String(repeating: "]", count: 60) + "\n"
        let (node, diagnostics) = parse(text)
        #expect(node == nil)
        #expect(messages(diagnostics) == ["t.yaml:2:65: error: alias '*a0' nests the document deeper than 256 levels"])
    }
}
