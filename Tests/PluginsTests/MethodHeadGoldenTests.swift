import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Foundation
import Testing

/// The method loss heads of the golden `methods/` folder (`op = method_loss`), run through
/// the method plugins' own expansion. For each file the method is built from `attrs`
/// (`MethodHeadGoldenTests.attrRules`), its `model.nodes` and `losses` are compiled with
/// `ExperimentCompiler.compileHead` against a graph whose float `in.*` tensors are
/// trainable parameters (so the backward yields d loss / d input), each loss term gets its
/// weight (constants as expanded, a ramp's `max` times `attrs.ramp_weight`), and the plan
/// runs once. Checked: `out.loss` (the weighted total), every named term (a term `X` or
/// `X[k]` unweighted; a term split into parts `X[k].*` is the weighted sum of its parts;
/// `loss_<group>[k]` is the weighted total of index k over the `*_<group>` terms), the
/// named module outputs, every running statistic and every `grad.*`. A golden method that
/// is one part of a plugin (T2B's decorrelation variants) names the plugin, the params the
/// case fixes and the loss entries kept (`parts`); nodes whose outputs the file gives (T2B's
/// branches), and nodes read only by those (the permeation), are the network: not compiled.
/// A file that gives a branch's last map `in.branch{k}.fmap` and its classifier
/// `param.branch{k}.fc.*` but not its logits (MDE) ends the network at that map: the
/// branch's head (global mean, fc) is built here under `branch.k.fc`, the map is the
/// `branch[*].<tap>` the head's nodes read, and `branch{k}.*` in the file names the
/// state_dict's `branch.k.*` (any indexed module likewise: AHBF's `fusion{j}.*` is
/// `fusion.j.*`). A method of several named networks (`model.networks`, CSS) gets the
/// file's `<network>.branch{k}.*` as `<network>.branch[k].*`, with the branch count of its
/// networks' `branches`. A file input `in.prev.<name>` is what `<name>` was at the
/// previous step (LightSKD's DSR memory): the plan runs once on the `prev` values, which
/// fills the step state (`step_memory`), then on the current ones, which are checked; no
/// gradient reaches the previous step, so `grad.prev.*` must be zero. A file input named
/// after a head node's output (`adapter.logits`) is that output: the node is the network.
@Suite struct MethodHeadGoldenTests {
    static let cases = GoldenFiles.cases(in: "methods")

    /// Golden methods that are a part of a method plugin: the plugin, the params the case
    /// fixes, and the loss entries kept (nil: all).
    static let parts: [String: (plugin: String, params: [(key: String, value: ParamValue)], losses: Set<String>?)] = [
        "t2b_feature": ("t2b", [("decorrelation", .string("feature")), ("lambda_dec", .int(1))], ["decorrelation"]),
        "t2b_variantA": ("t2b", [("decorrelation", .string("A")), ("lambda_dec", .int(1))], ["decorrelation"]),
        "t2b_variantB": ("t2b", [("decorrelation", .string("B")), ("lambda_dec", .int(1))], ["decorrelation"]),
        "t2b_total": ("t2b", [], nil),
    ]

    /// How an attr maps onto the method: a method param, a fixed value the method implements, or the ramp value.
    enum AttrRule {
        case param(String)
        /// A choice param whose values the file spells otherwise: file value -> param value.
        case choice(String, [String: String])
        case fixed(ParamValue)
        /// A fact the file's tensors carry (the class count): nothing to set.
        case fact
        case rampWeight
    }

    /// Per method, every attr it understands (beyond `method` and the documentation keys).
    static let attrRules: [String: [String: AttrRule]] = [
        "baseline": [:],
        "kd": [
            "temperature": .param("temperature"), "alpha": .param("alpha"), "teacher_detached": .fixed(.bool(true)),
            "teacher_eps": .fixed(.double(0)),
        ],
        "dml": [
            "networks": .param("branches"), "temperature": .param("temperature"), "teacher_detached": .param("detach"),
            "teacher_eps": .fixed(.double(0)),
        ],
        "one": [
            "branches": .param("branches"), "temperature": .param("temperature"), "teacher_eps": .param("teacher_eps"),
            "teacher_detached": .fixed(.bool(true)), "ramp_weight": .rampWeight, "bn_eps": .fixed(.double(1e-5)),
            "bn_momentum": .fixed(.double(0.1)), "bn_training": .fixed(.bool(true)),
        ],
        "okddip": [
            "peers": .param("branches"), "proj_dim": .param("proj_dim"), "temperature": .param("temperature"),
            "alpha": .param("alpha"), "teacher_eps": .param("teacher_eps"), "teacher_detached": .fixed(.bool(false)),
            "ramp_weight": .rampWeight,
        ],
        "t2b_feature": [
            "branches": .param("branches"), "decorrelation": .fixed(.string("feature_cross_correlation")),
            "std_eps": .fixed(.double(1e-5)),
        ],
        "mde": [
            "branches": .param("branches"), "temperature": .param("temperature"), "teacher_eps": .fixed(.double(0)),
            "teacher_detached": .fixed(.bool(true)), "ramp_weight": .rampWeight,
            "cd": .choice("cd", ["frobenius_squared": "literal", "normalized_rows": "scale_free"]),
            "lambda_cd": .param("lambda_cd"), "bn_eps": .fixed(.double(1e-5)), "bn_momentum": .fixed(.double(0.1)),
            "bn_training": .fixed(.bool(true)),
        ],
        "ahbf": [
            "branches": .param("branches"), "temperature": .param("temperature"), "teacher_eps": .param("teacher_eps"),
            "teacher_detached": .fixed(.bool(false)), "lambda1": .param("lambda1"), "lambda2": .param("lambda2"),
            "kd_scale": .param("kd_scale"), "ramp_weight": .rampWeight, "bn_eps": .fixed(.double(1e-5)),
            "bn_momentum": .fixed(.double(0.1)), "bn_training": .fixed(.bool(true)),
        ],
        "css": [
            "branches": .param("branches"), "classes": .fact, "temperature": .param("temperature"),
            "teacher_eps": .fixed(.double(0)), "teacher_detached": .param("detach"), "ratio_detached": .param("detach"),
        ],
        "lightskd": [
            "drg": .param("drg"), "dsr": .param("dsr"), "temperature": .param("temperature"), "alpha": .param("alpha"),
            "beta": .param("beta"), "teacher_detached": .fixed(.bool(true)), "teacher_eps": .fixed(.double(0)),
        ],
        "t2b_variantA": [
            "branches": .param("branches"), "decorrelation": .fixed(.string("offdiag_cross_correlation")),
            "std_eps": .fixed(.double(1e-5)),
        ],
        "t2b_variantB": [
            "branches": .param("branches"), "decorrelation": .fixed(.string("logit_pearson")),
            "temperature": .param("temperature"), "pearson_eps": .fixed(.double(1e-8)),
        ],
        "t2b_total": [
            "branches": .param("branches"), "temperature": .param("temperature"), "teacher_eps": .fixed(.double(0)),
            "teacher_detached": .param("detach_teachers"), "ramp_weight": .rampWeight, "lambda_bw": .param("lambda_bw"),
            "lambda_ens": .param("lambda_ens"), "lambda_dec": .param("lambda_dec"),
            "decorrelation": .fixed(.string("feature_cross_correlation")), "std_eps": .fixed(.double(1e-5)),
            "ensemble_to_branch_kd": .param("ensemble_to_branch_kd"),
        ],
    ]

    /// Golden output name -> the values the head may produce, the first found is used (a value
    /// name, else a graph value's name such as a loss intermediate `loss.loss_t.ce`; `[*]`:
    /// stacked over k, index first; another `*`: every graph value whose name matches, in graph order).
    static let namedOutputs: [String: [String]] = [
        "gate_weights": ["gate.weights", "ffm.weights"], "ensemble_logits": ["gate.logits", "ffm.logits", "ensemble.logits"],
        "logits": ["branch[*].logits"],
        "ta_logits": ["fusion.*.logits"], "fusion_weights": ["fusion.*.weights"],
        "attention": ["attention.weights"], "peer_targets": ["attention.targets[*]"], "peer_mean_logits": ["attention.mean_logits"],
        "cross_correlation": ["loss.decorrelation.pair*.cross_correlation"],
        "pair_correlation": ["loss.decorrelation.pair*.correlation"],
        "ce_t": ["loss.loss_t.ce"], "ce_s": ["loss.loss_s.ce"], "kd_t": ["loss.loss_t.kd"], "kd_s": ["loss.loss_s.kd"],
        "ratio_t": ["loss.loss_t.ratio"], "ratio_s": ["loss.loss_s.ratio"],
        "ce_t_branches": ["loss.loss_t.ce_branch*"], "ce_s_branches": ["loss.loss_s.ce_branch*"],
        "prediction_t": ["aggregate_t.logits"], "prediction_s": ["aggregate_s.logits"], "prediction_dual": ["dual.logits"],
        "sorted_logits": ["sorted.values"],
    ]

    @Test func casesExist() { #expect(!Self.cases.isEmpty) }

    @Test(arguments: cases)
    func head(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        guard golden.op == "method_loss" else { throw GoldenError("\(file.label): unknown op '\(golden.op)'") }
        var attrs = try AttrReader(golden.attrs)
        attrs.documentation("formula", "identically_zero_grads")
        guard case let .string(method)? = attrs.take("method") else { throw GoldenError("\(file.label): no method attr") }
        try PendingGoldens.check(method, label: file.label) { try check(file, golden, method: method, attrs: &attrs) }
    }

    func check(_ file: GoldenFile, _ golden: GoldenCase, method: String, attrs: inout AttrReader) throws {
        guard let rules = Self.attrRules[method] else { throw GoldenError("\(file.label): unknown method '\(method)'") }
        let part = Self.parts[method]
        var params: [(key: String, value: ParamValue)] = part?.params ?? []
        var rampWeight: Double?
        for (key, rule) in rules.sorted(by: { $0.key < $1.key }) {
            guard let value = attrs.take(key) else { continue }
            switch rule {
            case let .param(name):
                // Two attrs one param implements (CSS's detach): they must agree.
                if let set = params.first(where: { $0.key == name }) {
                    guard Self.same(set.value, value) else { throw GoldenError("\(file.label): \(key) = \(value) but \(name) = \(set.value)") }
                } else {
                    params.append((name, value))
                }
            case .fact: break
            case let .choice(name, spelled):
                guard case let .string(v) = value, let mapped = spelled[v] else {
                    throw GoldenError("\(file.label): \(key) = \(value); \(method) knows \(spelled.keys.sorted())")
                }
                params.append((name, .string(mapped)))
            case let .fixed(expected):
                guard Self.same(value, expected) else { throw GoldenError("\(file.label): \(key) = \(value); \(method) implements \(expected)") }
            case .rampWeight: rampWeight = Self.number(value)
            }
        }
        try attrs.finish(op: "method_loss \(method)")

        // The method's expansion: its head (nodes and losses) and its branch structure.
        let plugins = try BuiltInPlugins.set()
        let mark = SourceMark.file(file.label)
        let expansion = try plugins.methods.lookup(part?.plugin ?? method).make(.object(params))
            .expand(Node.mapping([], at: mark), context: MethodContext(), at: mark)
        let diagnostics = DiagnosticEngine()
        var head = SpecDecoder.decodeHead(expansion, diagnostics: diagnostics)
        if let kept = part?.losses { head.losses = head.losses.filter { kept.contains($0.name) } }
        // Branches: whole copies (`model.branches`) or a counted node named `branch`, as the compiler counts them.
        // Named networks (`model.networks`) have their branches each; their values are `<network>.<name>`.
        let networks = expansion["model"]?["networks"]?.pairs?.map(\.name) ?? []
        let branches = expansion["model"]?["branches"] ?? networks.first.flatMap { expansion["model"]?["networks"]?[$0]?["branches"] }
        let branchCount = branches?["count"]?.int ?? head.nodes.first { $0.name == "branch" }?.count ?? 0
        let branchPoint = branches?["from"]?.string ?? "stage2"
        // The branch feature map the head's nodes read (`branch[*].<tap>`, not logits, feature or a parameter).
        let mapTap = head.nodes.flatMap(\.inputs).lazy.compactMap { input -> String? in
            let ref = input.ref.text
            guard ref.hasPrefix("branch["), let close = ref.firstIndex(of: "]"), ref.index(after: close) < ref.endIndex else { return nil }
            let tap = ref[ref.index(close, offsetBy: 2)...]
            return tap.contains(".") || tap == "logits" || tap == "feature" ? nil : String(tap)
        }.first

        // Network outputs in, as trainable parameters named like the file's tensors.
        var b = GraphBuilder(kernels: plugins.kernels)
        var values: [String: ValueID] = [:]
        var classes = 0
        // Inputs of the previous step: file name of the current input -> file name of its previous value.
        var previous: [String: String] = [:]
        for name in golden.file.names where name.hasPrefix("in.") {
            let t = try #require(golden.file[name])
            let short = String(name.dropFirst(3))
            if short == "target" {
                values["target"] = b.input("target", TensorSpec(Shape(t.shape), .int32))
                continue
            }
            if short.hasPrefix("prev.") {
                previous["in." + short.dropFirst(5)] = name
                continue
            }
            var specName =
                head.nodes.contains { short.hasPrefix($0.name + ".") }
                ? short : try Self.specName(short, branchCount: branchCount, branchPoint: branchPoint, networks: networks)
            if let mapTap, specName.hasPrefix("branch["), specName.hasSuffix("].fmap") { specName = String(specName.dropLast(4)) + mapTap }
            values[specName] = b.parameter(name, Shape(t.shape), .zeros)
            if short.hasSuffix("logits") { classes = t.shape[t.shape.count - 1] }
        }
        // Branch heads the file gives as parameters (global mean, fc) on the branch's map.
        for k in 0..<branchCount where values[BranchName.value(k, "logits")] == nil {
            guard let weight = golden.file["param.branch\(k).fc.weight"], let mapTap,
                let map = values[BranchName.value(k, mapTap)]
            else { continue }
            let pooled = b.unary("global_avgpool", BranchName.value(k, "feature"), map)
            values[BranchName.value(k, "feature")] = pooled
            values[BranchName.value(k, "logits")] = b.linear(
                BranchName.parameters(k) + "fc", pooled, out: weight.shape[0],
                bias: golden.has("param.branch\(k).fc.bias"))
            classes = weight.shape[0]
        }
        // Nodes whose outputs the file gives are the network, and so are nodes only they read.
        func owns(_ node: NodeSpec, _ ref: String) -> Bool { ref.hasPrefix(node.name + ".") || ref.hasPrefix(node.name + "[") }
        var network = Set(head.nodes.filter { n in values.keys.contains { owns(n, $0) } }.map(\.name))
        for node in head.nodes.reversed() where !network.contains(node.name) {
            let readers = head.nodes.filter { r in r.inputs.contains { owns(node, $0.ref.text) } }.map(\.name)
            let losses = head.losses.filter { l in l.inputs.contains { owns(node, $0.ref.text) } }
            if !readers.isEmpty && losses.isEmpty && readers.allSatisfy(network.contains) { network.insert(node.name) }
        }
        let nodes = head.nodes.filter { !network.contains($0.name) }
        // The mean ensemble over the given branch logits.
        if expansion["model"]?["ensemble"]?.string == "mean", let first = values["branch[0].logits"] {
            var sum = first, k = 1
            while let z = values["branch[\(k)].logits"] {
                sum = b.add("ensemble.sum\(k)", sum, z)
                k += 1
            }
            values["ensemble.logits"] = b.unary("scale", "ensemble.logits", sum, params: .object([("alpha", .double(1 / Double(k)))]))
        }
        let compiler = ExperimentCompiler(plugins: plugins, diagnostics: diagnostics)
        let losses = compiler.compileHead(
            nodes: nodes, losses: head.losses, &b, values: &values, branchCount: branchCount,
            classes: classes)
        try #require(
            diagnostics.errorCount == 0 && b.errors.isEmpty,
            "\(file.label): \(diagnostics.diagnostics.map(\.message)) \(b.errors)")

        // Which values the checks read.
        var outputs = losses.map(\.value)
        var produced: [String: [ValueID]] = [:]
        for (goldenName, candidates) in Self.namedOutputs where golden.has("out.\(goldenName)") {
            for valueName in candidates {
                var list: [ValueID]
                if valueName.contains("[*]") {
                    list = Array(
                        (0...).lazy.map { values[valueName.replacingOccurrences(of: "[*]", with: "[\($0)]")] }
                            .prefix { $0 != nil }.map { $0! })
                } else if let star = valueName.firstIndex(of: "*") {
                    let (head, tail) = (valueName[..<star], valueName[valueName.index(after: star)...])
                    list = b.graph.values.indices.filter { b.graph.values[$0].name.hasPrefix(head) && b.graph.values[$0].name.hasSuffix(tail) }
                        .map { ValueID($0) }
                } else {
                    list = (values[valueName] ?? b.graph.value(named: valueName)).map { [$0] } ?? []
                }
                guard !list.isEmpty else { continue }
                produced[goldenName] = list
                outputs += list
                break
            }
        }
        let memory = ModelMemory(graph: b.graph)
        let plan = PlanLowering.lower(memory, purpose: .train, outputs: outputs)
        let stepStates = Set(b.graph.nodes.filter { $0.kernelName == StepMemory.name }.flatMap { $0.states.map { b.graph.states[$0].name } })
        for (name, tensor) in memory.namedTensors {
            if let prev = previous[name] {
                try golden.load(prev, into: tensor)
                continue
            }
            // Step state starts empty unless the file gives it.
            if stepStates.contains(name) && !golden.has("state." + name) { continue }
            let key =
                name.hasPrefix("in.")
                ? name
                : golden.has(Self.fileName("param.", name, golden)) ? Self.fileName("param.", name, golden) : Self.fileName("state.", name, golden)
            try golden.load(key, into: tensor)
        }
        if golden.has("in.target") { try golden.load("in.target", into: try #require(plan.input("target"))) }
        var weights: [Double] = []
        for loss in losses {
            let w: Double
            switch loss.weight {
            case let .constant(c): w = c
            case let .ramp(max, _):
                w = max * (try #require(rampWeight, "\(file.label): term \(loss.name) follows the ramp but the file gives no ramp_weight"))
            case .linear: throw GoldenError("\(file.label): term \(loss.name) has a linear schedule, which the file cannot give")
            }
            weights.append(w)
            plan.setLossWeight(slot: loss.slot, Float(w))
        }
        if !previous.isEmpty {
            plan.run()
            for (current, _) in previous { try golden.load(current, into: try #require(memory.tensor(named: current))) }
        }
        plan.run()

        // Terms, named outputs, running statistics, gradients.
        let termValues = try losses.map { Double(try #require(plan.output($0.value)).toArray()[0]) }
        var errors: [(String, Double)] = []
        errors.append(("out.loss", golden.relativeError("out.loss", [Float(zip(weights, termValues).map(*).reduce(0, +))])))
        // The file's `out.` name of each state_dict tensor -> its name.
        let stateNames = Dictionary(memory.namedTensors.map { (Self.fileName("out.", $0.name, golden), $0.name) }) { a, _ in a }
        for name in golden.file.names where name.hasPrefix("out.") && name != "out.loss" {
            let short = String(name.dropFirst(4))
            if let state = stateNames[name] {
                errors.append((name, golden.relativeError(name, try #require(memory.tensor(named: state)).toArray())))
            } else if let list = produced[short] {
                try #require(!list.isEmpty, "\(file.label): the head produces no \(Self.namedOutputs[short]!)")
                errors.append((name, golden.relativeError(name, try list.flatMap { try #require(plan.output($0)).toArray() })))
            } else {
                let computed = try Self.term(
                    short, count: golden.file[name]!.shape.reduce(1, *), losses: losses, values: termValues,
                    weights: weights, label: file.label)
                errors.append((name, golden.relativeError(name, computed.map(Float.init))))
            }
        }
        for v in b.graph.parameters {
            let name = b.graph[v].name
            let key = name.hasPrefix("in.") ? "grad.\(name.dropFirst(3))" : Self.fileName("grad.", name, golden)
            guard golden.has(key) else {
                let zero = Self.zeroGrads(golden.attrs)
                #expect(
                    zero.contains(key) || Self.indexedAlias("grad.", name).map(zero.contains) == true,
                    "\(file.label): no \(key) and not listed as identically zero")
                continue
            }
            errors.append((key, golden.relativeError(key, try #require(memory.gradient(v)).toArray())))
        }
        for prev in previous.values.sorted() {
            let key = "grad." + prev.dropFirst(3)
            errors.append((key, golden.relativeError(key, [Float](repeating: 0, count: golden.file[prev]!.shape.reduce(1, *)))))
        }
        for (name, error) in errors {
            #expect(error <= golden.tolerance, "\(file.label) \(name): relative error \(error) > \(golden.tolerance)")
        }
        #expect(golden.unused.isEmpty, "\(file.label): tensors not checked: \(golden.unused)")
        let worst = errors.max { $0.1 < $1.1 } ?? ("", 0)
        print("method golden \(file.label): max relative L2 error \(worst.1) (\(worst.0))")
    }

    /// The value name of a golden input: `branch0.logits` -> `branch[0].logits`, `net1.logits`
    /// -> `branch[1].logits`, `leader.logits` -> the last branch, `shared.feature` -> the
    /// branch-point tap, `logits` -> `trunk.logits`; `teacher.*` and `trunk.*` as they are.
    /// Under a named network (`net_t.branch0.logits`) the rest is named so, prefixed.
    static func specName(_ name: String, branchCount: Int, branchPoint: String, networks: [String] = []) throws -> String {
        if let net = networks.first(where: { name.hasPrefix($0 + ".") }) {
            return net + "." + (try specName(String(name.dropFirst(net.count + 1)), branchCount: branchCount, branchPoint: branchPoint))
        }
        for prefix in ["branch", "net"] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            let digits = rest.prefix { $0.isNumber }
            if let k = Int(digits), rest.dropFirst(digits.count).first == "." {
                return "branch[\(k)]" + rest.dropFirst(digits.count)
            }
        }
        if name.hasPrefix("leader."), branchCount > 0 { return "branch[\(branchCount - 1)]." + name.dropFirst(7) }
        if name == "shared.feature" { return "trunk.\(branchPoint)" }
        if name == "logits" { return "trunk.logits" }
        if name.hasPrefix("teacher.") || name.hasPrefix("trunk.") { return name }
        throw GoldenError("no value name for golden input '\(name)'")
    }

    /// The file's name of state_dict tensor `name` under `prefix`: as it is, or with an
    /// indexed module's `<module>.k.` (`branch.k.`, `fusion.k.`) written `<module>k.` when
    /// only that spelling is in the file.
    static func fileName(_ prefix: String, _ name: String, _ golden: GoldenCase) -> String {
        guard !golden.has(prefix + name), let alias = indexedAlias(prefix, name) else { return prefix + name }
        return golden.has(alias) ? alias : prefix + name
    }

    /// `<module>.k.<rest>` under `prefix` spelled `<module>k.<rest>`; nil for other names.
    static func indexedAlias(_ prefix: String, _ name: String) -> String? {
        let parts = name.split(separator: ".", maxSplits: 2)
        guard parts.count == 3, Int(parts[1]) != nil else { return nil }
        return prefix + "\(parts[0])\(parts[1]).\(parts[2])"
    }

    /// A named term of `count` values (see the suite's doc comment).
    static func term(
        _ name: String, count: Int, losses: [CompiledLoss], values: [Double], weights: [Double],
        label: String
    ) throws -> [Double] {
        func index(_ lossName: String) -> (group: String, k: Int?, part: Bool) {
            guard let open = lossName.firstIndex(of: "["), let close = lossName.firstIndex(of: "]") else { return (lossName, nil, false) }
            let k = Int(lossName[lossName.index(after: open)..<close])
            return (String(lossName[..<open]), k, lossName.index(after: close) != lossName.endIndex)
        }
        var result = [Double](repeating: 0, count: count)
        var found = [Bool](repeating: false, count: count)
        let parsed = losses.map { index($0.name) }
        for (i, p) in parsed.enumerated() {
            let k = p.k ?? 0
            guard k < count else { continue }
            if p.group == name {
                result[k] += p.part ? weights[i] * values[i] : values[i]
                found[k] = true
            } else if name.hasPrefix("loss_"), p.group.hasSuffix("_" + name.dropFirst(5)) {
                result[k] += weights[i] * values[i]
                found[k] = true
            }
        }
        // A [1] term X over terms X[0..K-1] is their unweighted mean (T2B's L_bw = (1/K) sum_k).
        let indexed = parsed.enumerated().filter { $0.element.group == name && $0.element.k != nil && !$0.element.part }
        if count == 1 && indexed.count > 1 { return [indexed.reduce(0.0) { $0 + values[$1.offset] } / Double(indexed.count)] }
        guard !found.contains(false) else { throw GoldenError("\(label): the head has no term '\(name)' for every index") }
        return result
    }

    static func zeroGrads(_ attrs: ParamValue) -> [String] {
        guard case let .object(pairs) = attrs, case let .array(items)? = pairs.first(where: { $0.key == "identically_zero_grads" })?.value
        else { return [] }
        return items.compactMap { if case let .string(s) = $0 { s } else { nil } }
    }

    static func number(_ v: ParamValue) -> Double? {
        switch v {
        case let .double(d): return d
        case let .int(i): return Double(i)
        default: return nil
        }
    }

    static func same(_ a: ParamValue, _ b: ParamValue) -> Bool {
        if let x = number(a), let y = number(b) { return x == y }
        return a == b
    }
}
