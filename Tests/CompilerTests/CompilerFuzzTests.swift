import CanopyRuntime
import CanopySpecs
import Foundation
import Testing

/// Feeds thousands of mutated and random spec documents, derived from the specs under
/// `specs/`, through the whole front end (load, extends, overrides, decode, compile) and,
/// when the result is small, through plan lowering, the plan report and the dumps. The
/// process not trapping is the main assertion; every input must also give either a
/// compiled experiment and no error, or no experiment and at least one error.
@Suite(.serialized) struct CompilerFuzzTests {
    /// The seeds: every spec under `specs/`, shrunk (depth 8, batch 4) so a case takes
    /// milliseconds, and the hand-written specs of the diagnostics tests.
    static let seeds: [String] = {
        let files = allSpecFiles().compactMap { try? String(contentsOf: specsFolder.appendingPathComponent($0), encoding: .utf8) }
        let shrunk = files.map { text in
            text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                var line = String(line)
                for (key, small) in [("depth", "8"), ("batch_size", "4"), ("count", "2")] {
                    if let r = line.range(of: "\(key): "),
                        let end = line[r.upperBound...].firstIndex(where: { !$0.isNumber }) ?? Optional(line.endIndex),
                        end > r.upperBound
                    {
                        line.replaceSubrange(r.upperBound..<end, with: small)
                    }
                }
                return line
            }.joined(separator: "\n")
        }
        return shrunk + [DiagnosticsTests.valid, DiagnosticsTests.peers, everyKey]
    }()

    /// A spec that uses every section and most keys.
    static let everyKey = """
        schema: canopy/1
        name: everything
        description: every key
        seed: 3
        data:
          dataset: synthetic
          synthetic: {channels: 1, size: 8, classes: 5, train: 16, test: 8}
          batch_size: 4
          eval_batch_size: 8
          train_subset: 12
          validation: 4
          pad_to: 12
          crop_padding: 2
          flip: true
          normalize: false
        model:
          backbone: {name: resnet_cifar, depth: 8, widths: [4, 8, 8]}
          branches: {count: 2, from: stage1}
          ensemble: mean
          deploy: ensemble.logits
          freeze: [conv1]
        losses:
          - name: ce
            plugin: cross_entropy
            foreach: branch
            params: {label_smoothing: 0.1}
            inputs: {logits: "branch[*].logits", target: target}
          - name: kd
            plugin: kd_kl
            foreach: branch
            params: {temperature: 3, teacher_eps: 1.0e-7}
            inputs: {student: "branch[*].logits", teacher: ensemble.logits}
            detach: [teacher]
            weight: {ramp: 80, max: 1}
          - name: mutual
            plugin: kd_kl
            inputs: {student: "branch[0].logits", teacher: "branch[1].logits"}
            weight: {linear: 5, max: 0.5}
        optimizer: {name: adamw, lr: 0.001, weight_decay: 0.05}
        schedule: {name: cosine}
        train: {epochs: 2, threads: 1, steps_per_epoch: 3}
        eval: {metrics: [{name: top_k, k: [1, 5]}], every: 1}
        output: {dir: runs}

        """

    static let keys = [
        "schema", "name", "description", "seed", "data", "dataset", "path", "batch_size", "eval_batch_size", "train_subset",
        "validation", "pad_to", "crop_padding", "flip", "normalize", "synthetic", "channels", "size", "classes", "train", "test",
        "model", "backbone", "depth", "block", "blocks_per_stage", "widths", "branches", "count", "from", "ensemble", "deploy",
        "freeze", "losses", "plugin", "inputs", "params", "detach", "weight", "ramp", "linear", "max", "foreach", "optimizer",
        "lr", "momentum", "nesterov", "weight_decay", "schedule", "milestones", "gamma", "epochs", "threads", "steps_per_epoch",
        "eval", "metrics", "every", "k", "output", "dir", "extends", "logits", "target", "student", "teacher", "temperature",
        "teacher_eps", "label_smoothing", "modle", "bach_size", "<<", "", "é", "a b",
    ]

    static let values = [
        "abc", "[1, 2]", "{a: 1}", "~", "", "true", "no", "-1", "0", "1", "2", "3", "7", "1e308", "-1e308", ".nan", ".inf", "-.inf",
        "99999999999999999999", "9223372036854775807", "-9223372036854775808", "65536", "4096", "1201", "''", "\"\\u0000\"",
        "0x7fffffffffffffff", "1.5", "\"branch[*].logits\"", "trunk.stage1", "ensemble.logits", "branch[0].logits",
        "\"branch[99].logits\"", "input", "target", "deploy.logits", "trunk.feature", "[trunk.logits]", "stage1", "stage2",
        "stem", "mean", "sgd", "adamw", "cosine", "multistep", "resnet_cifar", "kd_kl", "cross_entropy", "top_k", "branch",
        "bottleneck", "synthetic", "cifar10", "fashion_mnist", "日本語", "🙂", "[16, 32]", "[0, 0, 0]", "[teacher]", "{ramp: -3}",
        "{linear: 2, max: .nan}", "&x [1]", "*x", "!!str 5", "[[[[1]]]]",
    ]

    static let snippets = [
        "  branches: {count: 3, from: stage1}", "  branches: {count: 64, from: stage2}", "  ensemble: mean",
        "  deploy: ensemble.logits", "  deploy: \"branch[1].logits\"", "  freeze: [conv1, bn1, branch.0.]", "    foreach: branch",
        "    detach: [teacher]", "    detach: [student, teacher]", "    weight: {ramp: 80, max: 1}", "    weight: {linear: 5}",
        "    weight: 0", "    params: {temperature: 4}", "    params: {label_smoothing: 0.1}", "extends: base.yaml",
        "extends: t.yaml", "extends: [base.yaml, missing.yaml]", "extends: /dev/null", "extends: .", "schedule: {name: cosine}",
        "schedule: {name: multistep, milestones: [1, 2]}", "eval: {metrics: [{name: top_k, k: [1, 5]}], every: 2}",
        "train: {epochs: 1, steps_per_epoch: 1}", "output: {dir: /tmp}",
        "  - name: kd\n    plugin: kd_kl\n    inputs: {student: trunk.logits, teacher: trunk.logits}",
        "  - name: x\n    plugin: cross_entropy\n    foreach: branch\n    inputs: {logits: \"branch[*].feature\", target: input}",
        "seed: 18446744073709551615", "  pad_to: 40", "  synthetic: {channels: 1, size: 8, classes: 3}", "  dataset: synthetic",
        "  dataset: fashion_mnist", "anchors: &a {x: 1}", "model: *a", "<<: *a", "  backbone: {name: resnet_cifar, depth: 14, block: bottleneck}",
        "  backbone: {name: resnet_cifar, depth: 8, widths: [1, 1, 1]}", "  backbone: resnet_cifar", "optimizer: sgd",
        "losses: []", "losses: ~", "model: ~", "---", "...", "%YAML 1.1", "? [a]\n: 1",
    ]

    static let overrides = [
        "model.branches.count=0", "losses.0.weight={ramp: -1}", "model.backbone={}", "losses=[]", "data=", "optimizer=adamw",
        "schedule=", "losses.0.inputs.logits=branch[*].logits", "x.y.z=1", "losses.9=1", "data.batch_size=0",
        "model.backbone.depth=1208", "model.backbone.widths=[4096, 4096, 4096]", "data.batch_size=65536", "model.deploy=input",
        "losses.0.foreach=branch", "model.freeze=[x]", "seed=-1", "=1", "a..b=2", "data.batch_size=[1", "model.ensemble=mean",
    ]

    /// `CANOPY_FUZZ_SEED` and `CANOPY_FUZZ_CASES` in the environment run a longer or different search.
    static let environment = ProcessInfo.processInfo.environment
    static let seed = environment["CANOPY_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x5EED_CAFE
    static let cases = environment["CANOPY_FUZZ_CASES"].flatMap { Int($0) } ?? 1600

    @Test func mutatedSpecsNeverCrash() {
        var rng = SeededRandom(seed: Self.seed)
        let directory = temporaryDirectory()
        write(DiagnosticsTests.valid, to: "\(directory)/base.yaml")
        var compiled = 0, planned = 0
        let cases = Self.cases
        for i in 0..<cases {
            var text = Self.seeds[i % Self.seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &rng) { text = Self.mutate(text, &rng) }
            // Lowering costs more than compiling: plan one compiled spec in eight.
            let (ok, lowered) = exercise(text, overrides: Self.overrides(&rng), directory: directory, lower: compiled % 4 == 0)
            if ok { compiled += 1 }
            if lowered { planned += 1 }
        }
        // Sanity: the mutations leave a fair share of specs valid, and reject most.
        #expect(compiled > cases / 50 && compiled < cases / 2, "compiled \(compiled) of \(cases)")
        #expect(planned > 0)
    }

    @Test func randomDocumentsNeverCrash() {
        var rng = SeededRandom(seed: Self.seed ^ 0xD0C5)
        let directory = temporaryDirectory()
        write(DiagnosticsTests.valid, to: "\(directory)/base.yaml")
        for _ in 0..<Self.cases * 3 / 10 {
            let text = "schema: canopy/1\n" + Self.randomMapping(&rng, depth: 0)
            exercise(text, overrides: Self.overrides(&rng), directory: directory, lower: false)
        }
    }

    @Test func pathologicalDocuments() {
        var rng = SeededRandom(seed: 11)
        let directory = temporaryDirectory()
        let base = DiagnosticsTests.valid
        let documents = [
            base + "x: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "\n",
            base + (0..<3000).map { "k\($0): \($0)\n" }.joined(),
            base + String(repeating: "seed: 1\n", count: 2000),
            base + "description: " + String(repeating: "é🙂", count: 50_000) + "\n",
            base.replacingOccurrences(of: "batch_size: 8", with: "batch_size: " + String(repeating: "9", count: 400)),
            base.replacingOccurrences(of: "trunk.logits", with: String(repeating: "trunk.", count: 2000) + "logits"),
            base.replacingOccurrences(of: "name: ce", with: "name: " + String(repeating: "x", count: 100_000)),
            "", "\u{FEFF}", "schema: canopy/1", "\0", String(repeating: "\n", count: 10_000),
            base + "losses:\n"
                + String(repeating: "  - {name: ce, plugin: cross_entropy, inputs: {logits: trunk.logits, target: target}}\n", count: 300),
        ]
        for text in documents { exercise(text, overrides: Self.overrides(&rng), directory: directory) }
    }

    /// Compiles `text` as `t.yaml` in `directory`; with `lower`, also lowers the plans
    /// when the graph is small. Returns whether it compiled and whether it was lowered.
    @discardableResult
    func exercise(_ text: String, overrides: [String], directory: String, lower: Bool = true) -> (compiled: Bool, lowered: Bool) {
        write(text, to: "\(directory)/t.yaml")
        let diagnostics = DiagnosticEngine()
        let compiled = SpecFrontEnd.compile("\(directory)/t.yaml", overrides: overrides, plugins: builtIns, diagnostics: diagnostics)
        _ = diagnostics.render()
        guard let compiled else {
            if diagnostics.errorCount == 0 { Issue.record("no experiment and no error for:\n\(text)\noverrides: \(overrides)") }
            return (false, false)
        }
        if diagnostics.errorCount > 0 { Issue.record("an experiment despite errors for:\n\(text)") }
        let activationBytes = compiled.graph.values.reduce(0.0) { $0 + Double($1.spec.byteCount) }
        guard lower && activationBytes < 32e6 && compiled.graph.nodes.count < 2000 else { return (true, false) }
        let plans = ExperimentPlans(compiled)
        _ = PlanReport(plans).render()
        _ =
            PlanDumps.graph(compiled) + PlanDumps.memory(compiled, plans.layout)
            + PlanDumps.schedule(plans.layout.train, graph: compiled.graph)
        return (true, true)
    }

    /// Usually a small batch (so graphs stay small), sometimes a random override, sometimes none.
    static func overrides(_ rng: inout SeededRandom) -> [String] {
        switch Int.random(in: 0..<10, using: &rng) {
        case 0..<6: return ["data.batch_size=2"]
        case 6, 7: return ["data.batch_size=2", overrides.randomElement(using: &rng)!]
        case 8: return [overrides.randomElement(using: &rng)!]
        default: return []
        }
    }

    static func mutate(_ text: String, _ rng: inout SeededRandom) -> String {
        var lines = text.components(separatedBy: "\n")
        let at = Int.random(in: 0..<max(lines.count, 1), using: &rng)
        guard !lines.isEmpty else { return text }
        switch Int.random(in: 0..<12, using: &rng) {
        case 0:
            let scalars = Array(text.unicodeScalars)
            return String(String.UnicodeScalarView(scalars.prefix(Int.random(in: 0...scalars.count, using: &rng))))
        case 1: lines.remove(at: at)
        case 2: lines.insert(lines[at], at: Int.random(in: 0...lines.count, using: &rng))
        case 3: lines.swapAt(at, Int.random(in: 0..<lines.count, using: &rng))
        case 4:
            let other = Int.random(in: 0..<lines.count, using: &rng)
            if let a = splitValue(lines[at]), let b = splitValue(lines[other]) {
                lines[at] = a.key + b.value
                lines[other] = b.key + a.value
            }
        case 5:
            var scalars = Array(lines[at].unicodeScalars)
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let s = Unicode.Scalar(UInt32.random(in: 0...0x1_FFFF, using: &rng)) ?? "\u{FFFD}"
                scalars.insert(s, at: Int.random(in: 0...scalars.count, using: &rng))
            }
            lines[at] = String(String.UnicodeScalarView(scalars))
        case 6, 7:
            if let a = splitValue(lines[at]) { lines[at] = a.key + values.randomElement(using: &rng)! }
        case 8:
            if let a = splitValue(lines[at]) {
                let depth = Int.random(in: 1...300, using: &rng)
                lines[at] =
                    a.key
                    + (Bool.random(using: &rng)
                        ? String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
                        : String(repeating: "{a: ", count: depth) + "1" + String(repeating: "}", count: depth))
            }
        case 9:
            if let a = splitValue(lines[at]) {
                let indent = a.key.prefix { $0 == " " || $0 == "-" }
                lines[at] = indent + keys.randomElement(using: &rng)! + ": " + a.value
            }
        case 10: lines.insert(snippets.randomElement(using: &rng)!, at: Int.random(in: 0...lines.count, using: &rng))
        default:
            var bytes = Array(lines[at].utf8)
            if !bytes.isEmpty { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng) }
            lines[at] = String(decoding: bytes, as: UTF8.self)
        }
        return lines.joined(separator: "\n")
    }

    /// "  key: value" as ("  key: ", "value"), for lines that have a block value.
    static func splitValue(_ line: String) -> (key: String, value: String)? {
        guard let r = line.range(of: ": ") else { return nil }
        return (String(line[..<r.upperBound]), String(line[r.upperBound...]))
    }

    static func randomMapping(_ rng: inout SeededRandom, depth: Int) -> String {
        let indent = String(repeating: "  ", count: depth)
        var out = ""
        for _ in 0..<Int.random(in: 1...6, using: &rng) {
            let key = keys.randomElement(using: &rng)!
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where depth < 4: out += indent + key + ":\n" + randomMapping(&rng, depth: depth + 1)
            case 1 where depth < 4:
                out += indent + key + ":\n"
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    let item = randomMapping(&rng, depth: depth + 2)
                    out += indent + "  - " + item.dropFirst(indent.count + 4)
                }
            default: out += indent + key + ": " + values.randomElement(using: &rng)! + "\n"
            }
        }
        return out
    }
}
