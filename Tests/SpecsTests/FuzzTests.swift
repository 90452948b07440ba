import CanopyRuntime
import CanopySpecs
import Testing

/// Feeds thousands of random and mutated byte strings through parsing, conversion to
/// `ParamValue`, strict reading, param decoding, overrides and rendering. The process
/// not trapping is the main assertion; each input must also give a tree or an error.
@Suite struct FuzzTests {
    struct SomeParams: Decodable {
        var epochs: Int?
        var lr: Double?
        var name: String?
        var tags: [String]?
    }

    static let corpus = [
        "optimizer:\n  name: sgd\n  lr: 0.1\n  momentum: 0.9\ntrain: {epochs: 200, batch: 128}\n",
        "base: &b {lr: 0.1, tags: [a, b]}\nx:\n  <<: *b\n  lr: 0.2\ny: *b\n",
        "model:\n  branches:\n    - kernel: 3\n    - {kernel: 5, width: [1, 2]}\n  name: \"résumé 日本\"\n",
        "doc: |\n  line one\n\tline two\nfolded: >\n  a\n  b\nq: 'it''s'\nn: ~\nb: TRUE\n",
        "%YAML 1.2\n---\nlist:\n- 0x1F\n- 0o17\n- .inf\n- -.5e3\n- !!str 1\n- !!int \"2\"\n...\n",
        "a: 1\na: 2\n? [x]\n: 3\nbig: 99999999999999999999999\nhuge: 1e999999\n",
        "k: !custom 1\nm: &m [*m]\nu: *undefined\n",
        "{a: [1, {b: [2, {c: 3}]}], 'd': \"e\\u00e9\\t\", f: null}\n",
        "- - - - x\n  - y\n- z: [1,2,3]\n",
        "epochs: 3\nlr: 0.01\nname: x\ntags: [a, b, c]\n",
    ]

    static let fragments = [
        "[", "]", "{", "}", ":", ": ", "- ", ",", "? ", "&a ", "*a", "&b ", "*b", "!!int ", "!!map ", "!x ",
        "<<: ", "\"", "'", "|\n", ">-\n", "#", "\t", "\n", "  ", "    ", "\r\n", "\r", "\u{85}", "\u{2028}",
        "1e999999", "99999999999999999999999", "-0x10", "0o9", ".inf", ".NaN", "日本", "é", "🙂", "\u{301}",
        "\u{FEFF}", "---\n", "...\n", "%YAML 1.1\n", "%TAG !e! tag:e,2000:\n", "!e!x ", "a: 1\na: 2\n",
        "~", "\0", "\u{7}", "\\", "\\x", "\"\\u12\"", "@", "`", "%",
    ]

    @Test func randomAndMutatedInputsNeverCrash() {
        var rng = SeededRandom(seed: 0xBADC_0FFE)
        var parsed = 0
        for i in 0..<6000 {
            let bytes: [UInt8]
            switch i % 3 {
            case 0: bytes = Self.randomText(&rng)
            case 1: bytes = Self.mutated(&rng)
            default: bytes = Self.mutated(&rng, rounds: Int.random(in: 4...12, using: &rng))
            }
            if exercise(bytes, &rng) { parsed += 1 }
        }
        // Sanity: the generator produces a mix of valid and invalid inputs.
        #expect(parsed > 600 && parsed < 5400, "parsed \(parsed) of 6000")
    }

    @Test func pathologicalInputs() {
        var rng = SeededRandom(seed: 7)
        let inputs = [
            String(repeating: "[", count: 100_000),
            String(repeating: "{a: ", count: 20_000),
            String(repeating: "- ", count: 5000) + "x",
            (0..<600).map { String(repeating: " ", count: $0) + "k\($0):\n" }.joined(),
            String(repeating: "a: 1\n", count: 3000),
            "x: " + String(repeating: "9", count: 5000),
            "x: 1e" + String(repeating: "9", count: 5000),
            "x: \"" + String(repeating: "\\", count: 999) + "\"",
            String(repeating: "&a [*a, ", count: 300),
        ]
        for text in inputs { exercise(Array(text.utf8), &rng) }
        for byte in UInt8.min...UInt8.max { exercise([byte], &rng) }
    }

    /// Runs one input through every layer; returns whether it parsed.
    @discardableResult
    func exercise(_ bytes: [UInt8], _ rng: inout SeededRandom) -> Bool {
        let diagnostics = DiagnosticEngine()
        let node = YAMLParser.parse(bytes, file: "fuzz.yaml", diagnostics: diagnostics)
        if node == nil && diagnostics.errorCount == 0 {
            Issue.record("no tree and no error for \(bytes)")
        }
        if let node {
            let value = node.paramValue
            do {
                _ = try ParamDecoder.decode(SomeParams.self, from: value)
            } catch {
                diagnostics.report(error, in: node)
            }
            read(node, diagnostics, depth: 0)
            let path = (node.pairs?.map(\.name).randomElement(using: &rng) ?? "k") + ".0.x"
            let argument = path + "=" + (Self.fragments.randomElement(using: &rng) ?? "")
            let overrides = Override.parse([argument, "a.b=[1, {c: 2}]"], diagnostics: diagnostics)
            _ = Override.apply(overrides, to: node, diagnostics: diagnostics)
        }
        _ = diagnostics.render(color: Bool.random(using: &rng))
        return node != nil
    }

    /// Reads a tree through `MappingReader`, a few levels down, with every accessor.
    func read(_ node: Node, _ diagnostics: DiagnosticEngine, depth: Int) {
        let reader = MappingReader(node, diagnostics)
        for (i, pair) in (node.pairs ?? []).prefix(8).enumerated() {
            switch i % 8 {
            case 0: _ = reader.int(pair.name, default: 1, range: 1...)
            case 1: _ = reader.double(pair.name, range: Bounds.above(0))
            case 2: _ = reader.string(pair.name)
            case 3: _ = reader.bool(pair.name, default: false)
            case 4: _ = reader.choice(pair.name, from: ["sgd", "adam"])
            case 5: _ = reader.sequence(pair.name)?.forEach { read($0, diagnostics, depth: depth + 1) }
            case 6: if depth < 4, let inner = reader.mapping(pair.name) { read(inner.node, diagnostics, depth: depth + 1) }
            default: _ = reader.optionalInt(pair.name, range: 0..<10)
            }
        }
        reader.finish()
    }

    static func randomText(_ rng: inout SeededRandom) -> [UInt8] {
        var text = ""
        for _ in 0..<Int.random(in: 0...40, using: &rng) {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0: text += fragments.randomElement(using: &rng)!
            case 1: text += String(Int.random(in: -1000...1000, using: &rng))
            case 2: text += ["a", "b", "key", "lr", "epochs", "x_y", "name"].randomElement(using: &rng)!
            default:
                let scalar = Unicode.Scalar(UInt32.random(in: 0...0x2FFF, using: &rng)) ?? "?"
                text.unicodeScalars.append(scalar)
            }
        }
        return Array(text.utf8)
    }

    static func mutated(_ rng: inout SeededRandom, rounds: Int = 1) -> [UInt8] {
        var bytes = Array(corpus.randomElement(using: &rng)!.utf8)
        for _ in 0..<Int.random(in: 1...max(1, rounds), using: &rng) {
            let at = Int.random(in: 0...bytes.count, using: &rng)
            switch Int.random(in: 0..<8, using: &rng) {
            case 0: bytes.removeSubrange(at...)
            case 1: bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
            case 2: if at < bytes.count { bytes[at] = UInt8.random(in: 0...255, using: &rng) }
            case 3: bytes.insert(contentsOf: Array(fragments.randomElement(using: &rng)!.utf8), at: at)
            case 4: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...20, using: &rng)))
            case 5:
                let end = min(bytes.count, at + Int.random(in: 1...40, using: &rng))
                bytes.insert(contentsOf: bytes[at..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            case 6:
                let opener = ["[", "{a: ", "- ", "  - "].randomElement(using: &rng)!
                bytes.insert(contentsOf: Array(String(repeating: opener, count: Int.random(in: 1...400, using: &rng)).utf8), at: at)
            default:
                bytes.insert(contentsOf: Array(corpus.randomElement(using: &rng)!.utf8), at: at)
            }
        }
        return bytes
    }
}
