import CanopyRuntime

/// Decodes a spec document (`schema: canopy/1`) into an `ExperimentSpec`, strictly:
/// unknown keys, wrong types, out-of-range values and missing sections are reported
/// (all of them, with did-you-mean notes) and decoding goes on, so one run of
/// `canopy check` lists every problem. Plugin names and params are checked later,
/// against the plugin registries.
public enum SpecDecoder {
    public static let schema = "canopy/1"

    /// The spec, or nil when a section it needs is missing; problems are in `diagnostics`
    /// (a spec with errors is still returned when it has every section, for later passes to check).
    public static func decode(_ root: Node, name defaultName: String, diagnostics: DiagnosticEngine) -> ExperimentSpec? {
        let top = MappingReader(root, diagnostics)
        if let schema = top.value("schema") {
            if let text = schema.string, text != Self.schema {
                diagnostics.error("unsupported schema '\(text)' (this canopy reads '\(Self.schema)')", at: schema.mark)
            } else if schema.string == nil {
                diagnostics.error("expected 'schema: \(Self.schema)', found \(schema.kindAndValue)", at: schema.mark)
            }
        } else {
            diagnostics.error("missing required key 'schema' (add 'schema: \(Self.schema)')", at: root.mark)
        }
        let name = top.string("name", default: defaultName)
        if let problem = runNameProblem(name) {
            let given = top.value("name")
            let source = given == nil ? " (the name comes from the file name; set 'name:')" : ""
            diagnostics.error("run name '\(name)' \(problem)\(source)", at: given?.mark ?? root.mark)
        }
        let description = top.string("description", default: "")
        let seed = top.int("seed", default: 0, range: 0...)
        // A `method` entry left by MethodExpansion means its error was reported: the
        // sections it would have written are missing for that reason alone.
        top.allow("extends")  // merged in by SpecLoader; listed so that a misspelling is suggested it
        let failedMethod = top.value("method")
        if let failedMethod, !diagnostics.hasErrors {
            diagnostics.error("the method was not expanded (MethodExpansion.apply comes before decoding)", at: failedMethod.mark)
        }
        let data = top.mapping("data", required: true).map(decodeData)
        let model = top.mapping("model", required: true).flatMap(decodeModel)
        let losses = (top.sequence("losses", required: failedMethod == nil) ?? []).compactMap { decodeLoss($0, diagnostics) }
        if let node = top.value("losses"), node.items?.isEmpty == true {
            diagnostics.error("'losses' needs at least one loss term", at: node.mark)
        }
        let optimizer = top.value("optimizer").flatMap { pluginCall($0, what: "optimizer", diagnostics) }
        if top.value("optimizer") == nil { diagnostics.error("missing required key 'optimizer'", at: root.mark) }
        let schedule = top.value("schedule").flatMap { $0.isNull ? nil : pluginCall($0, what: "schedule", diagnostics) }
        let train = decodeTrain(top.mapping("train") ?? MappingReader(.plain("", at: root.mark), diagnostics), root: root)
        let eval = decodeEval(top.mapping("eval"), diagnostics)
        warnAboutLongSchedules(losses, epochs: train.epochs, diagnostics)
        let outputReader = top.mapping("output")
        let output = OutputSpec(directory: outputReader?.string("dir", default: "runs") ?? "runs")
        if output.directory.isEmpty, let node = outputReader?.value("dir") {
            diagnostics.error("'output.dir' is empty (give a directory, such as runs)", at: node.mark)
        }
        outputReader?.finish()
        top.finish()
        // A spec with errors is still returned when its parts exist, so that compiling it
        // reports the problems of later passes too (all errors at once).
        guard let data, let model, let optimizer else { return nil }
        return ExperimentSpec(
            name: name, description: description, seed: UInt64(seed), data: data, model: model,
            losses: losses, optimizer: optimizer, schedule: schedule, train: train, eval: eval,
            output: output, root: root)
    }

    /// Why `name` cannot name a run directory under `output.dir`, or nil when it can: a
    /// run name is one path component of letters, digits, '-', '_' and '.', and not '.'
    /// or '..', so that no run writes outside `output.dir`.
    static func runNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name == "." || name == ".." { return "names a directory outside output.dir" }
        if let bad = name.unicodeScalars.first(where: { !isRunNameCharacter($0) }) {
            let shown = bad == "/" ? "'/'" : "'\(bad.escaped(asASCII: true))'"
            return "has \(shown): a run name is one path component of letters, digits, '-', '_' and '.'"
        }
        return nil
    }

    private static func isRunNameCharacter(_ c: Unicode.Scalar) -> Bool {
        switch c {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": return true
        default: return false
        }
    }

    /// A `{name: ..., <params>}` mapping as a plugin call.
    static func pluginCall(_ node: Node, what: String, _ diagnostics: DiagnosticEngine) -> PluginCall? {
        guard let pairs = node.pairs else {
            if let text = node.string { return PluginCall(name: text, params: .empty, paramsNode: .mapping([], at: node.mark), nameMark: node.mark) }
            diagnostics.error("expected a mapping with the \(what)'s 'name' and params, found \(node.kindAndValue)", at: node.mark)
            return nil
        }
        guard let namePair = pairs.first(where: { $0.name == "name" }) else {
            diagnostics.error("missing required key 'name' (which \(what))", at: node.mark)
            return nil
        }
        guard let name = namePair.value.string else {
            diagnostics.error("expected a string, found \(namePair.value.kindAndValue)", at: namePair.value.mark)
            return nil
        }
        let params = Node(.mapping(pairs.filter { $0.name != "name" }), at: node.mark)
        return PluginCall(name: name, params: params.paramValue, paramsNode: params, nameMark: namePair.value.mark)
    }

    /// `data:`. The dataset is a plugin call (`dataset: cifar10` or `dataset: {name:
    /// image_folder, path: ..., classes: 10, size: 32}`); `data.path` and, for
    /// `synthetic`, the keys of `data.synthetic` join its params. The plugin and its
    /// params are checked by the compiler, against the registered datasets.
    static func decodeData(_ r: MappingReader) -> DataSpec {
        let d = r.diagnostics
        let node = r.value("dataset").flatMap { $0.isNull ? nil : $0 }
        let call = node.flatMap { pluginCall($0, what: "dataset", d) }
        let dataset = call?.name ?? "fashion_mnist"
        var pairs = call?.paramsNode.pairs ?? []
        var paramsMark = node?.mark ?? r.node.mark
        // Keys written beside `dataset` join its params; one given twice is an error at the second.
        func join(_ extra: [Node.Pair]) {
            for pair in extra {
                if pairs.contains(where: { $0.name == pair.name }) {
                    d.error("'\(pair.name)' is given twice: in 'dataset' and here", at: pair.key.mark)
                } else {
                    pairs.append(pair)
                }
            }
        }
        if let path = r.node.pair("path"), r.has("path") {
            join([path])
        }
        if let synthetic = r.mapping("synthetic") {
            if dataset == "synthetic" {
                join(synthetic.node.pairs ?? [])
                if call?.paramsNode.pairs?.isEmpty ?? true { paramsMark = synthetic.node.mark }
            } else if let key = r.node.pair("synthetic")?.key {
                d.warning("'synthetic' is ignored: the dataset is '\(dataset)', not 'synthetic'", at: key.mark)
            }
        }
        let params = Node(.mapping(pairs), at: paramsMark)
        let batch = r.int("batch_size", default: 128, range: 1...65536)
        var spec = DataSpec(
            dataset: dataset, datasetMark: call?.nameMark ?? r.node.mark, datasetParams: params.paramValue,
            datasetParamsNode: params, batchSize: batch,
            evalBatchSize: r.int("eval_batch_size", default: batch, range: 1...65536),
            trainSubset: r.optionalInt("train_subset", range: 1...), validation: r.int("validation", default: 0, range: 0...),
            padTo: r.optionalInt("pad_to", range: 1...4096), cropPadding: r.int("crop_padding", default: 0, range: 0...64),
            flip: r.bool("flip", default: false), normalize: r.bool("normalize", default: true))
        spec.testSubset = r.optionalInt("test_subset", range: 1...)
        spec.randomResizedCrop = r.bool("random_resized_crop", default: false)
        if spec.randomResizedCrop, spec.cropPadding > 0, let node = r.value("random_resized_crop") {
            d.error("random_resized_crop replaces the padded random crop: remove crop_padding", at: node.mark)
        }
        spec.dropLast = r.bool("drop_last", default: true)
        spec.dropLastMark = r.value("drop_last")?.mark
        r.finish()
        return spec
    }

    /// Reports a validation split, subset or batch the dataset's images cannot fill,
    /// so that `check` finds it rather than a run that has already made its directory.
    /// The sizes are those the dataset plugin states (the standard files' counts, or
    /// `synthetic`'s `train`/`test`); a dataset that knows its counts only once loaded
    /// (`image_folder`) is checked when it loads. `data` is the spec's `data:` mapping.
    static func checkSizes(_ spec: DataSpec, _ facts: DatasetFacts, data: Node?, _ d: DiagnosticEngine) {
        guard let trainCount = facts.trainCount else { return }
        let name = spec.dataset
        let mark = data?.mark ?? spec.datasetMark
        let pool = trainCount - spec.validation
        if pool < 1, let node = data?["validation"] {
            d.error(
                "a validation split of \(spec.validation) leaves no training image: \(name) has "
                    + "\(trainCount)", at: node.mark)
            return
        }
        if let k = spec.trainSubset, k > pool, let node = data?["train_subset"] {
            let left = spec.validation > 0 ? " left after the validation split of \(spec.validation)" : ""
            d.error("train_subset \(k) is more than the \(pool) training images of \(name)\(left)", at: node.mark)
            return
        }
        if let k = spec.testSubset, let testCount = facts.testCount, k > testCount, let node = data?["test_subset"] {
            d.error("test_subset \(k) is more than the \(testCount) test images of \(name)", at: node.mark)
        }
        let images = spec.trainSubset ?? pool
        if images < spec.batchSize {
            let node = data?["train_subset"] ?? data?["batch_size"]
            d.error(
                "\(images) training images make no full batch of \(spec.batchSize) "
                    + "(a partial last batch is dropped, so no step would run)", at: node?.mark ?? mark)
        }
    }

    static func decodeModel(_ r: MappingReader) -> ModelSpec? {
        let d = r.diagnostics
        var networks: [NetworkSpec] = []
        if let n = r.mapping("networks") {
            for pair in n.node.pairs ?? [] {
                let net = MappingReader(pair.value, d)
                let backbone = net.value("backbone").flatMap { pluginCall($0, what: "backbone", d) }
                if net.value("backbone") == nil { d.error("missing required key 'backbone' (network '\(pair.name)')", at: pair.value.mark) }
                let branches = net.mapping("branches").flatMap(decodeBranches)
                net.finish()
                if let backbone { networks.append(NetworkSpec(name: pair.name, backbone: backbone, branches: branches, mark: pair.value.mark)) }
            }
            if n.node.pairs?.isEmpty ?? true { d.error("model.networks needs at least one network", at: n.node.mark) }
        }
        let backbone = networks.first?.backbone ?? r.value("backbone").flatMap { pluginCall($0, what: "backbone", d) }
        if r.value("backbone") == nil && r.value("networks") == nil { d.error("missing required key 'backbone'", at: r.node.mark) }
        if r.value("backbone") != nil, let n = r.value("networks") {
            d.error("model.networks gives every network its own backbone: remove model.backbone", at: n.mark)
        }
        let branches = r.mapping("branches").flatMap(decodeBranches)
        if branches != nil, let n = r.value("networks") { d.error("with model.networks, give branches per network", at: n.mark) }
        var ensemble: (kind: String, mark: SourceMark)?
        if let kind = r.choice("ensemble", from: ["mean"], required: false) { ensemble = (kind, r.value("ensemble")!.mark) }
        let deploy = r.optionalString("deploy").map { ValueRef($0, at: r.value("deploy")!.mark) }
        let freeze = (r.sequence("freeze") ?? []).compactMap { node -> ValueRef? in
            guard let s = node.string else {
                d.error("expected a parameter-name prefix, found \(node.kindAndValue)", at: node.mark)
                return nil
            }
            return ValueRef(s, at: node.mark)
        }
        let nodes = (r.sequence("nodes") ?? []).compactMap { decodeNode($0, d) }
        var teacher: TeacherSpec?
        if let t = r.mapping("teacher") {
            let backbone = t.value("backbone").flatMap { pluginCall($0, what: "teacher backbone", d) }
            if t.value("backbone") == nil { d.error("missing required key 'backbone'", at: t.node.mark) }
            let checkpoint = t.string("checkpoint").map { ValueRef($0, at: t.value("checkpoint")!.mark) }
            t.finish()
            if let backbone, let checkpoint { teacher = TeacherSpec(backbone: backbone, checkpoint: checkpoint, mark: t.node.mark) }
        }
        r.finish()
        guard let backbone else { return nil }
        return ModelSpec(
            backbone: backbone, branches: branches, networks: networks, ensemble: ensemble, deploy: deploy, freeze: freeze,
            nodes: nodes, teacher: teacher)
    }

    /// `branches: {count, from, deepen, classes_factor, transform: {kernel, params: [...]}}`.
    static func decodeBranches(_ b: MappingReader) -> BranchSpec? {
        let count = b.int("count", range: 1...64)
        let from = b.string("from").map { ValueRef($0, at: b.value("from")!.mark) }
        let deepen = b.int("deepen", default: 0, range: 0...200)
        let factor = b.int("classes_factor", default: 1, range: 1...1024)
        var transform: BranchTransform?
        if let t = b.mapping("transform") {
            let kernel = t.string("kernel")
            let params = (t.sequence("params") ?? []).map(\.paramValue)
            if kernel != nil, let count, params.count != count {
                b.diagnostics.error("transform gives \(params.count) params entries for \(count) branches (one each)", at: t.node.mark)
            } else if let kernel {
                transform = BranchTransform(kernel: kernel, params: params, mark: t.node.mark)
            }
            t.finish()
        }
        b.finish()
        guard let count, let from else { return nil }
        return BranchSpec(
            count: count, from: from, deepen: deepen, mark: b.node.mark, classesFactor: factor, transform: transform)
    }

    /// The `model.nodes` and `losses` of a mapping of spec sections (a method's
    /// expansion), for `ExperimentCompiler.compileHead`.
    public static func decodeHead(_ sections: Node, diagnostics d: DiagnosticEngine) -> (nodes: [NodeSpec], losses: [LossSpec]) {
        let nodes = (sections["model"]?["nodes"]?.items ?? []).compactMap { decodeNode($0, d) }
        return (nodes, (sections["losses"]?.items ?? []).compactMap { decodeLoss($0, d) })
    }

    static func decodeNode(_ node: Node, _ d: DiagnosticEngine) -> NodeSpec? {
        let r = MappingReader(node, d)
        guard node.pairs != nil else { return nil }
        let name = r.string("name")
        let module = r.string("module")
        let count = r.optionalInt("count", range: 1...64)
        let paramsNode = r.value("params") ?? .mapping([], at: node.mark)
        if !paramsNode.isNull && paramsNode.pairs == nil {
            d.error("expected a mapping of params, found \(paramsNode.kindAndValue)", at: paramsNode.mark)
        }
        let inputs = decodeInputs(r.value("inputs"), at: node.mark, d)
        r.finish()
        guard let name, let module else { return nil }
        if name.contains(".") || name.contains("[") {
            d.error("a node name is one word (its values are '\(name).<output>'), found '\(name)'", at: r.value("name")!.mark)
        }
        let params = paramsNode.pairs != nil ? paramsNode : Node.mapping([], at: paramsNode.mark)
        return NodeSpec(
            name: name,
            module: PluginCall(
                name: module, params: params.paramValue, paramsNode: params,
                nameMark: r.value("module")!.mark),
            inputs: inputs, count: count, mark: node.mark)
    }

    /// An `inputs:` mapping from input names to value references.
    static func decodeInputs(_ m: Node?, at mark: SourceMark, _ d: DiagnosticEngine) -> [(name: String, ref: ValueRef)] {
        guard let m else {
            d.error("missing required key 'inputs'", at: mark)
            return []
        }
        guard let pairs = m.pairs else {
            d.error("expected a mapping from input names to values, found \(m.kindAndValue)", at: m.mark)
            return []
        }
        var inputs: [(name: String, ref: ValueRef)] = []
        for p in pairs {
            guard let text = p.value.string else {
                d.error("expected a value name, found \(p.value.kindAndValue)", at: p.value.mark)
                continue
            }
            inputs.append((p.name, ValueRef(text, at: p.value.mark)))
        }
        return inputs
    }

    static func decodeLoss(_ node: Node, _ d: DiagnosticEngine) -> LossSpec? {
        let r = MappingReader(node, d)
        guard node.pairs != nil else { return nil }
        let name = r.string("name")
        let plugin = r.string("plugin")
        let paramsNode = r.value("params") ?? .mapping([], at: node.mark)
        if !paramsNode.isNull && paramsNode.pairs == nil {
            d.error("expected a mapping of params, found \(paramsNode.kindAndValue)", at: paramsNode.mark)
        }
        let inputs = decodeInputs(r.value("inputs"), at: node.mark, d)
        let detach = (r.sequence("detach") ?? []).compactMap { n -> ValueRef? in
            guard let s = n.string else {
                d.error("expected an input name, found \(n.kindAndValue)", at: n.mark)
                return nil
            }
            return ValueRef(s, at: n.mark)
        }
        let weight = decodeWeight(r.value("weight"), d)
        let foreach = r.optionalString("foreach").map { ValueRef($0, at: r.value("foreach")!.mark) }
        if let f = foreach, f.text != "branch" {
            d.error("unknown foreach '\(f.text)' (foreach: branch expands [*] over the branches)", at: f.mark)
        }
        let skipFirstStep = r.optionalBool("skip_first_step") ?? false
        r.finish()
        guard let name, let plugin else { return nil }
        let params = paramsNode.pairs != nil ? paramsNode : Node.mapping([], at: paramsNode.mark)
        return LossSpec(
            name: name,
            plugin: PluginCall(
                name: plugin, params: params.paramValue, paramsNode: params,
                nameMark: r.value("plugin")!.mark),
            inputs: inputs, detach: detach, weight: weight, weightMark: r.value("weight")?.mark ?? node.mark,
            foreach: foreach, skipFirstStep: skipFirstStep, mark: node.mark)
    }

    /// `weight: 0.5`, or `weight: {ramp: 80, max: 1}` (ONE's consistency ramp over 80 epochs), or `{linear: 10, max: 1}`.
    static func decodeWeight(_ node: Node?, _ d: DiagnosticEngine) -> LossWeight {
        guard let node, !node.isNull else { return .constant(1) }
        if let w = node.double {
            if w < 0 || !w.isFinite { d.error("a loss weight must be a finite number at least 0, found \(node.kindAndValue)", at: node.mark) }
            return .constant(w)
        }
        guard node.pairs != nil else {
            d.error("expected a number or a schedule such as {ramp: 80, max: 1}, found \(node.kindAndValue)", at: node.mark)
            return .constant(1)
        }
        let r = MappingReader(node, d)
        let max = r.double("max", default: 1, range: 0...)
        let ramp = r.optionalInt("ramp", range: 0...)
        let linear = r.optionalInt("linear", range: 0...)
        r.finish()
        switch (ramp, linear) {
        case let (epochs?, nil): return .ramp(max: max, epochs: epochs)
        case let (nil, epochs?): return .linear(max: max, epochs: epochs)
        default:
            d.error("a weight schedule needs exactly one of 'ramp' or 'linear' (epochs)", at: node.mark)
            return .constant(max)
        }
    }

    /// Warns of a loss weight that ramps up over more epochs than the run has: it never
    /// reaches its full value (ONE's default `ramp: 80` on a 3-epoch run stays below 1%).
    static func warnAboutLongSchedules(_ losses: [LossSpec], epochs: Int, _ d: DiagnosticEngine) {
        for loss in losses {
            let length: Int, maximum: Double
            switch loss.weight {
            case let .ramp(max, n), let .linear(max, n): (length, maximum) = (n, max)
            case .constant: continue
            }
            guard length > epochs, maximum > 0 else { continue }
            let last = loss.weight.value(epoch: epochs - 1) / maximum
            d.warning(
                "the weight of '\(loss.name)' ramps up over \(length) epochs but the run has \(epochs): its last "
                    + "epoch uses \(Self.fraction(last)) of the full weight", at: loss.weightMark)
        }
    }

    /// A fraction for a message, to 2 significant digits ("0.0067", "0.5").
    static func fraction(_ x: Double) -> String {
        guard x > 0 else { return "0" }
        var scale = 1.0
        while x * scale < 10 && scale < 1e12 { scale *= 10 }
        var text = String((x * scale).rounded() / scale)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func decodeTrain(_ r: MappingReader, root: Node) -> TrainSpec {
        let spec = TrainSpec(
            epochs: r.int("epochs", default: 10, range: 1...100_000),
            threads: r.int("threads", default: 2, range: TrainSpec.threadsRange),
            stepsPerEpoch: r.optionalInt("steps_per_epoch", range: 1...))
        r.finish()
        return spec
    }

    static func decodeEval(_ r: MappingReader?, _ d: DiagnosticEngine) -> EvalSpec {
        guard let r else { return EvalSpec(metrics: [], every: 1) }
        let metrics = (r.sequence("metrics") ?? []).compactMap { pluginCall($0, what: "metric", d) }
        let every = r.int("every", default: 1, range: 1...)
        r.finish()
        return EvalSpec(metrics: metrics, every: every)
    }
}
