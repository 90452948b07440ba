import CanopySpecs
import Testing

@Suite struct ParseMarksTests {
    let text = """
        model:
          backbone: resnet8
          branches:
            - kernel: 3
              width: 16
            - {kernel: 5, width: [1, 2]}
        optimizer: {name: sgd, lr: 0.1}

        """

    @Test func blockMappingsAndListsCarryLineAndColumn() throws {
        let (node, diagnostics) = parse(text)
        let root = try #require(node)
        #expect(diagnostics.diagnostics.isEmpty)
        #expect("\(root.mark)" == "t.yaml:1:1")
        let model = try #require(root.pair("model"))
        #expect("\(model.key.mark)" == "t.yaml:1:1")
        #expect(model.key.mark.length == 5)
        #expect("\(model.value.mark)" == "t.yaml:2:3")
        let backbone = try #require(model.value["backbone"])
        #expect("\(backbone.mark)" == "t.yaml:2:13")
        #expect(backbone.mark.length == 7)
        let branches = try #require(model.value["branches"]?.items)
        #expect("\(model.value["branches"]!.mark)" == "t.yaml:4:5")
        #expect("\(branches[0].mark)" == "t.yaml:4:7")
        #expect("\(branches[0].pair("width")!.key.mark)" == "t.yaml:5:7")
        #expect("\(branches[0]["width"]!.mark)" == "t.yaml:5:14")
        #expect(branches[0]["width"]!.int == 16)
    }

    @Test func flowCollectionsCarryTheirExtent() throws {
        let root = try #require(parse(text).node)
        let second = root["model"]!["branches"]!.items![1]
        #expect("\(second.mark)" == "t.yaml:6:7")
        #expect(second.mark.length == 26)
        #expect("\(second["kernel"]!.mark)" == "t.yaml:6:16")
        let width = second["width"]!
        #expect("\(width.mark)" == "t.yaml:6:26")
        #expect(width.mark.length == 6)
        #expect(width.items!.map { "\($0.mark)" } == ["t.yaml:6:27", "t.yaml:6:30"])
        let optimizer = root["optimizer"]!
        #expect("\(optimizer.mark)" == "t.yaml:7:12")
        #expect("\(optimizer.pair("lr")!.key.mark)" == "t.yaml:7:24")
        #expect("\(optimizer["lr"]!.mark)" == "t.yaml:7:28")
        #expect(optimizer["lr"]!.double == 0.1)
    }

    @Test func quotedScalarMarksIncludeTheQuotes() throws {
        let root = try #require(parse("name: \"run 1\"\nother: 'x'\n").node)
        #expect("\(root["name"]!.mark)" == "t.yaml:1:7")
        #expect(root["name"]!.mark.length == 7)
        #expect(root["name"]!.string == "run 1")
        #expect("\(root["other"]!.mark)" == "t.yaml:2:8")
    }

    @Test func blockScalarsAndMultiLineValues() throws {
        let root = try #require(parse("doc: |\n  line one\n  line two\nnext: 1\n").node)
        #expect(root["doc"]!.string == "line one\nline two\n")
        #expect(root["doc"]!.scalar?.style == .literal)
        #expect("\(root.pair("next")!.key.mark)" == "t.yaml:4:1")
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let root = try #require(parse("é: ü\nk: [日本, x]\n").node)
        #expect("\(root["é"]!.mark)" == "t.yaml:1:4")
        #expect(root["k"]!.items!.map { "\($0.mark)" } == ["t.yaml:2:5", "t.yaml:2:9"])
    }
}
