import CanopyRuntime
import CanopySpecs
import Testing

@Suite struct ParamErrorLocationTests {
    struct ConvParams: Decodable {
        var kernel: Int
        var stride: Int
        var dilations: [Int]

        enum CodingKeys: String, CodingKey { case kernel, stride, dilations }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kernel = try c.decode(Int.self, forKey: .kernel)
            stride = try c.decodeIfPresent(Int.self, forKey: .stride) ?? 1
            dilations = try c.decodeIfPresent([Int].self, forKey: .dilations) ?? []
        }
    }

    func report(_ yaml: String) throws -> [String] {
        let (node, diagnostics) = parse(yaml)
        let params = try #require(node)
        do {
            _ = try ParamDecoder.decode(ConvParams.self, from: params.paramValue)
        } catch {
            diagnostics.report(error, in: params)
        }
        return messages(diagnostics)
    }

    @Test func wrongTypeInAListPointsAtTheItem() throws {
        #expect(
            try report("kernel: 3\ndilations: [1, x]\n")
                == ["t.yaml:2:16: error: expected an integer, found a string \"x\""])
    }

    @Test func unknownKeyPointsAtTheKey() throws {
        #expect(try report("kernel: 3\nstrid: 2\n") == ["t.yaml:2:1: error: unknown key 'strid' (did you mean 'stride'?)"])
    }

    @Test func missingKeyPointsAtTheMapping() throws {
        #expect(try report("\n  {}\n") == ["t.yaml:2:3: error: missing required key 'kernel'"])
    }

    @Test func locateFollowsKeysAndIndices() throws {
        let root = try #require(parse("a:\n  - {b: 1}\n").node)
        let (node, key, found) = root.locate(["a", "0", "b"])
        #expect(found && node.int == 1 && "\(key!.mark)" == "t.yaml:2:6")
        #expect(root.locate(["a", "3"]).found == false)
    }
}
