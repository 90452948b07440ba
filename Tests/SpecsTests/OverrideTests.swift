import CanopySpecs
import Testing

@Suite struct OverrideTests {
    let spec = """
        optimizer: {name: sgd, lr: 0.1}
        model:
          branches:
            - {kernel: 3}
            - {kernel: 3}
          name: resnet

        """

    func applying(_ arguments: [String]) throws -> (Node, DiagnosticEngine) {
        let (node, diagnostics) = parse(spec)
        let overrides = Override.parse(arguments, diagnostics: diagnostics)
        return (Override.apply(overrides, to: try #require(node), diagnostics: diagnostics), diagnostics)
    }

    @Test func setsScalarsListItemsAndNewKeys() throws {
        let (root, diagnostics) = try applying([
            "optimizer.lr=0.05", "model.branches.1.kernel=5", "train.epochs=3", "model.tags=[a, b]", "name=\"1\"",
        ])
        #expect(diagnostics.diagnostics.isEmpty)
        #expect(root["optimizer"]!["lr"]!.double == 0.05)
        #expect("\(root["optimizer"]!["lr"]!.mark)" == "<command line>:1:14")
        #expect(root["model"]!["branches"]!.items!.map { $0["kernel"]!.int } == [3, 5])
        #expect("\(root["model"]!["branches"]!.items![1]["kernel"]!.mark)" == "<command line>:2:25")
        #expect(root["train"]!.description == "{epochs: 3}")
        #expect("\(root.pair("train")!.key.mark)" == "<command line>:3:1")
        #expect(root["model"]!["tags"]!.description == "[\"a\", \"b\"]")
        #expect(root["name"]!.string == "1")
        #expect("\(root["optimizer"]!["name"]!.mark)" == "t.yaml:1:19")
    }

    @Test func emptyValueIsNullAndNullIsReplaced() throws {
        let (root, diagnostics) = try applying(["model.name=", "model.name.depth=8"])
        #expect(diagnostics.diagnostics.isEmpty)
        #expect(root["model"]!["name"]!.description == "{depth: 8}")
    }

    @Test func badPathsAreDiagnostics() throws {
        let (root, diagnostics) = try applying([
            "model.branches.2.kernel=5", "model.branches.x=1", "optimizer.name.x=1", "lr", "a..b=1", "model.tags=x: y",
        ])
        #expect(root["model"]!["branches"]!.items!.count == 2)
        #expect(
            diagnostics.render() == """
                <command line>:1:16: error: index 2 is out of range: 'model.branches' has 2 items
                    1 | model.branches.2.kernel=5
                      |                ^
                t.yaml:4:5: note: 'model.branches' is here
                    4 |     - {kernel: 3}
                      |     ^
                <command line>:2:16: error: 'x' is not a list index: 'model.branches' is a list
                    2 | model.branches.x=1
                      |                ^
                t.yaml:4:5: note: 'model.branches' is here
                    4 |     - {kernel: 3}
                      |     ^
                <command line>:3:16: error: cannot set 'optimizer.name.x': 'optimizer.name' is a string 'sgd', not a mapping
                    3 | optimizer.name.x=1
                      |                ^
                t.yaml:1:19: note: 'optimizer.name' is set here
                    1 | optimizer: {name: sgd, lr: 0.1}
                      |                   ^~~
                <command line>:4:1: error: override 'lr' has no '=': write path=value
                    4 | lr
                      | ^~
                <command line>:5:3: error: empty key in override path 'a..b'
                    5 | a..b=1
                      |   ^
                <command line>:6:12: error: an override's value must be a scalar or a flow collection ([...] or {...})
                    6 | model.tags=x: y
                      |            ^~~~

                """)
    }

    @Test func malformedValueIsAttributedToTheOverride() {
        let diagnostics = DiagnosticEngine()
        _ = Override.parse(["optimizer.lr=[1, 2"], diagnostics: diagnostics)
        #expect(messages(diagnostics) == ["<command line>:1:19: error: did not find expected ',' or ']'"])
    }
}
