import CanopyRuntime

/// Compiles a decoded spec into a graph: instantiates the backbone, its peer branches,
/// the ensemble, every loss term (expanding `foreach`, applying `detach`), the
/// optimizer, schedule and metrics, resolving every value reference. Every problem is
/// reported at its source position and compilation continues, so all are listed; a
/// part that fails to build (the backbone, a branch, the teacher, a node) is reported
/// once, and references to what it would have produced stay quiet (`FailedParts`).
public struct ExperimentCompiler {
    public let plugins: PluginSet
    public let diagnostics: DiagnosticEngine

    public init(plugins: PluginSet, diagnostics: DiagnosticEngine) {
        self.plugins = plugins
        self.diagnostics = diagnostics
    }

    public func compile(_ spec: ExperimentSpec) -> CompiledExperiment? {
        let errorsBefore = diagnostics.errorReports
        // The dataset first: its facts give the image shape and class count. The compiled
        // spec carries the plugin, which loads the data when a run starts.
        var spec = spec
        spec.data.plugin = makeDataset(spec.data)
        if let facts = spec.data.facts {
            SpecDecoder.checkSizes(spec.data, facts, data: spec.root["data"], diagnostics)
        }
        var b = GraphBuilder(kernels: plugins.kernels, threads: spec.train.threads)
        var origins: [SourceMark] = []
        func at(_ mark: SourceMark) -> Origin {
            origins.append(mark)
            return Origin(origins.count - 1)
        }

        guard let (sample, classes) = spec.data.modelInput else {
            // An unknown dataset or bad dataset params (reported): without the image shape
            // no value resolves, but plugin names and params can still be checked.
            do { _ = try plugins.backbones.lookup(spec.model.backbone.name) } catch {
                diagnostics.error(error.description, at: spec.model.backbone.nameMark)
            }
            checkPluginsWithoutValues(spec, &b)
            return nil
        }
        let batch = spec.data.batchSize
        // One batch of images beyond the memory limit: refuse before any layer sizes overflow.
        let inputBytes = Double(batch) * Double(sample.count) * 4
        if inputBytes > Double(ExperimentPlans.memoryLimit) {
            diagnostics.error(
                "a batch of \(batch) images of \(sample) takes \(Self.gib(inputBytes)), more than the "
                    + "\(Self.gib(Double(ExperimentPlans.memoryLimit))) memory limit; lower data.batch_size",
                at: batchMark(spec))
            checkPluginsWithoutValues(spec, &b)
            return nil
        }
        b.origin = at(spec.data.datasetMark)
        let input = b.input("input", TensorSpec(Shape([batch] + sample.dims)))
        let target = b.input("target", TensorSpec([batch], .int32))
        var values: [String: ValueID] = ["input": input, "target": target]

        // Backbone and branches. A part that fails to build is reported once, at its
        // cause; the values it would have produced resolve to poisoned placeholders.
        var failed = FailedParts()
        let call = spec.model.backbone
        b.origin = at(call.nameMark)
        var branchCount = spec.model.branches?.count ?? 0
        if !spec.model.networks.isEmpty {
            // Several whole networks: each its own backbone, values and parameters under `<name>.`.
            for net in spec.model.networks {
                b.origin = at(net.backbone.nameMark)
                let prefix = net.name + "."
                branchCount = max(branchCount, net.branches?.count ?? 0)
                guard let backbone = makeBackbone(net.backbone, sample: sample, classes: classes),
                    let branched = makeBackbone(net.backbone, sample: sample, classes: classes * (net.branches?.classesFactor ?? 1))
                else {
                    failed.add(prefixes: [prefix], parameters: prefix)
                    continue
                }
                b.namePrefix = prefix
                compileBackbone(
                    backbone, branched, net.backbone, net.branches, &b, input: input, network: prefix, values: &values, failed: &failed)
                b.namePrefix = ""
            }
        } else if let backbone = makeBackbone(call, sample: sample, classes: classes),
            let branched = makeBackbone(call, sample: sample, classes: classes * (spec.model.branches?.classesFactor ?? 1))
        {
            compileBackbone(
                backbone, branched, call, spec.model.branches, &b, input: input, values: &values,
                failed: &failed)
        } else {
            failed.add(prefixes: ["trunk."] + (0..<branchCount).map(BranchName.values), parameters: "")
        }

        // Teacher, extra modules, ensemble.
        if let teacher = spec.model.teacher {
            b.origin = at(teacher.mark)
            compileTeacher(teacher, &b, input: input, sample: sample, classes: classes, values: &values, failed: &failed)
        }
        for node in spec.model.nodes {
            b.origin = at(node.mark)
            compileNode(node, &b, values: &values, failed: &failed, branchCount: max(branchCount, 1), classes: classes)
            if node.name == "branch", let count = node.count { branchCount = max(branchCount, count) }
        }
        // Step state pairs row b of one batch with row b of the previous one: full batches only.
        if !spec.data.dropLast, let node = b.graph.nodes.first(where: { $0.kernelName == StepMemory.name }) {
            diagnostics.error(
                "'\(node.name)' keeps step state (step_memory), which pairs each batch with the previous one row by row: "
                    + "it needs drop_last: true", at: spec.data.dropLastMark ?? spec.data.datasetMark)
        }
        if let ensemble = spec.model.ensemble {
            b.origin = at(ensemble.mark)
            compileEnsemble(ensemble, &b, values: &values, failed: &failed, branchCount: branchCount)
        }

        // Deployed model.
        let first = spec.model.networks.first.map { $0.name + "." } ?? ""
        let deployRef =
            spec.model.deploy ?? ValueRef(first + (branchCount > 0 ? BranchName.value(0, "logits") : "trunk.logits"), at: call.nameMark)
        let deploy = resolve(deployRef, in: values, failed: failed, &b, branchCount: branchCount)
        let deployPrefix = BranchName.index(in: deployRef.text).map(BranchName.parameters)
        if let deploy { values["deploy.logits"] = deploy }

        // Frozen parameters.
        let unmatched = Set(b.freeze(prefixes: spec.model.freeze.map(\.text)))
        for ref in spec.model.freeze where unmatched.contains(ref.text) && !failed.mayOwnParameters(under: ref.text) {
            diagnostics.error("no parameter name starts with '\(ref.text)'", at: ref.mark)
        }

        // Losses.
        var losses: [CompiledLoss] = []
        for loss in spec.losses {
            b.origin = at(loss.mark)
            losses += compileLoss(loss, &b, values: values, failed: failed, branchCount: branchCount)
        }

        // Heads evaluated every epoch.
        var heads: [EvalHead] = (0..<branchCount).compactMap { k in
            values[BranchName.value(k, "logits")].map { EvalHead(BranchName.head(k), $0, role: .branch(k)) }
        }
        if branchCount == 0, let t = values["trunk.logits"] { heads.append(EvalHead("trunk", t, role: .trunk)) }
        if branchCount > 0, spec.model.branches != nil, let t = values["trunk.logits"] { heads.insert(EvalHead("trunk", t, role: .trunk), at: 0) }
        if let e = values["ensemble.logits"] { heads.append(EvalHead("ensemble", e, role: .ensemble)) }
        for node in spec.model.nodes where node.count == nil {
            if let v = values["\(node.name).logits"] { heads.append(EvalHead(node.name, v, role: .node)) }
        }
        if let deploy { heads.append(EvalHead("deploy", deploy, role: .deploy)) }

        let optimizer = makeOptimizer(spec.optimizer)
        let schedule = spec.schedule.flatMap(makeSchedule)
        var metrics = spec.eval.metrics.compactMap(makeMetric)
        if spec.eval.metrics.isEmpty, let topK = plugins.metrics["top_k"], let m = try? topK.make(.empty) { metrics = [m] }

        report(b.errors, origins: origins)
        guard diagnostics.errorReports == errorsBefore, let optimizer, let deploy else { return nil }
        let experiment = CompiledExperiment(
            spec: spec, graph: b.graph, input: input, target: target, values: values,
            losses: losses, heads: heads, deploy: deploy, deployPrefix: deployPrefix,
            optimizer: optimizer, schedule: schedule, metrics: metrics, origins: origins)
        return fitsInMemory(experiment) ? experiment : nil
    }

    /// The head of a model on its own: the `nodes` and `losses` compiled against a given
    /// builder and value table (`values` gains the nodes' outputs), as `compile` does after
    /// the backbone. The golden method-head tests feed network outputs in as values.
    public func compileHead(
        nodes: [NodeSpec], losses: [LossSpec], _ b: inout GraphBuilder, values: inout [String: ValueID],
        branchCount: Int, classes: Int
    ) -> [CompiledLoss] {
        var failed = FailedParts()
        for node in nodes {
            compileNode(node, &b, values: &values, failed: &failed, branchCount: max(branchCount, 1), classes: classes)
        }
        return losses.flatMap { compileLoss($0, &b, values: values, failed: failed, branchCount: branchCount) }
    }

    /// Without a network no value resolves; still checks every loss, plugin and params.
    /// The dataset plugin `data` names, built from its params, or nil with the problem
    /// reported: an unknown name at the name (with a did-you-mean, the datasets a spec
    /// can name alone, and a note for each that needs params), a param error at the
    /// param, facts that cannot size a model at the name.
    func makeDataset(_ data: DataSpec) -> (any DatasetPlugin)? {
        let type: any DatasetPlugin.Type
        do { type = try plugins.datasets.lookup(data.dataset) } catch {
            let all = plugins.datasets.all
            let byName = all.filter { $0.entry.requiredKeys.isEmpty }.map(\.name)
            let notes = all.filter { !$0.entry.requiredKeys.isEmpty }.map { name, entry in
                Diagnostic.note(
                    "'\(name)' needs params: dataset: {name: \(name), "
                        + entry.requiredKeys.map { "\($0): ..." }.joined(separator: ", ") + "}",
                    at: data.datasetMark)
            }
            diagnostics.error(
                "unknown dataset '\(data.dataset)'" + Suggestion.note(for: data.dataset, in: plugins.datasets.names)
                    + (byName.isEmpty ? "" : " (built in: \(byName.joined(separator: ", ")))"),
                at: data.datasetMark, notes: notes)
            return nil
        }
        let dataset: any DatasetPlugin
        do { dataset = try type.make(data.datasetParams) } catch {
            diagnostics.report(error, in: data.datasetParamsNode)
            return nil
        }
        let f = dataset.facts
        guard f.channels >= 1, f.height >= 1, f.width >= 1, f.classes >= 1, (f.trainCount ?? 1) >= 1, (f.testCount ?? 1) >= 1
        else {
            diagnostics.error(
                "dataset '\(data.dataset)' states \(f.summary): every dimension, the class count and the "
                    + "image counts must be at least 1", at: data.datasetMark)
            return nil
        }
        return dataset
    }

    private func checkPluginsWithoutValues(_ spec: ExperimentSpec, _ b: inout GraphBuilder) {
        // The branches the spec declares: peers of the backbone and counted nodes named `branch`.
        let branchCount = spec.model.nodes.reduce(spec.model.branches?.count ?? 0) { count, node in
            node.name == "branch" ? max(count, node.count ?? 0) : count
        }
        for loss in spec.losses { _ = compileLoss(loss, &b, values: nil, failed: FailedParts(), branchCount: branchCount) }
        _ = makeOptimizer(spec.optimizer)
        _ = spec.schedule.flatMap(makeSchedule)
        _ = spec.eval.metrics.compactMap(makeMetric)
    }

    // MARK: Backbone, teacher and modules

    /// Emits the trunk of `backbone` (up to the branch point when the model has peer
    /// branches) and each peer branch (of `branched`, the backbone made for the branches'
    /// class count), as `<network>trunk.<tap>` and `<network>branch[k].<tap>` values; branch
    /// k reads the fork through the branches' `transform` kernel with its k-th params.
    private func compileBackbone(
        _ backbone: any BackbonePlugin, _ branched: any BackbonePlugin, _ call: PluginCall, _ branches: BranchSpec?,
        _ b: inout GraphBuilder, input: ValueID, network net: String = "", values: inout [String: ValueID], failed: inout FailedParts
    ) {
        guard let branches else {
            let errors = b.errors.count
            let trunk = backbone.emitTrunk(&b, input: input, until: nil)
            record(
                trunk, as: net + "trunk.", expected: backbone.taps, failedBuild: b.errors.count > errors, parameters: net,
                values: &values, failed: &failed)
            return
        }
        let point = branches.from.text.hasPrefix("trunk.") ? String(branches.from.text.dropFirst(6)) : branches.from.text
        guard backbone.branchPoints.contains(point) else {
            diagnostics.error(
                "\(call.name) cannot fork after '\(branches.from.text)' (branch points: "
                    + backbone.branchPoints.joined(separator: ", ") + ")" + Suggestion.note(for: point, in: backbone.branchPoints),
                at: branches.from.mark)
            let parts = ([net + "trunk."] + (0..<branches.count).map { net + BranchName.values($0) })
            failed.add(names: parts.flatMap { part in backbone.taps.map { part + $0 } }, parameters: net)
            return
        }
        // The taps up to the branch point are the trunk's, the rest each branch's.
        let cut = point == "input" ? 0 : (backbone.taps.firstIndex(of: point) ?? backbone.taps.count - 1) + 1
        let errors = b.errors.count
        let trunk = backbone.emitTrunk(&b, input: input, until: point)
        let trunkFailed = b.errors.count > errors
        record(
            trunk, as: net + "trunk.", expected: backbone.taps[..<cut], failedBuild: trunkFailed, parameters: net,
            values: &values, failed: &failed)
        // Peers are copies of the rest of the backbone: their problems are the backbone's,
        // reported at its position like the trunk's.
        let fork = point == "input" ? input : values[net + "trunk.\(point)"]
        for k in 0..<branches.count {
            guard let fork, !trunkFailed else {
                // A trunk that failed before the branch point has no fork value: peers built
                // on another value would only add misleading errors.
                if trunkFailed {
                    failed.add(names: backbone.taps[cut...].map { net + BranchName.value(k, $0) }, parameters: net + BranchName.parameters(k))
                }
                continue
            }
            let errors = b.errors.count
            let input =
                branches.transform.map { t in
                    b.apply(t.kernel, name: BranchName.parameters(k) + "transform", params: t.params[k], inputs: [fork])[0]
                } ?? fork
            let branch = branched.emitBranch(
                &b, from: input, after: point, prefix: BranchName.parameters(k), extraBlocks: k * branches.deepen)
            record(
                branch, as: net + BranchName.values(k), expected: backbone.taps[cut...], failedBuild: b.errors.count > errors,
                parameters: net + BranchName.parameters(k), values: &values, failed: &failed)
        }
    }

    /// Stores the taps one part of a network emitted as `<prefix><tap>` values; when its
    /// emission reported an error, the `expected` taps it did not emit are failed.
    private func record(
        _ emitted: [String: ValueID], as prefix: String, expected: some Sequence<String>, failedBuild: Bool,
        parameters: String, values: inout [String: ValueID], failed: inout FailedParts
    ) {
        for (tap, v) in emitted { values[prefix + tap] = v }
        if failedBuild { failed.add(names: expected.filter { emitted[$0] == nil }.map { prefix + $0 }, parameters: parameters) }
    }

    private func compileTeacher(
        _ teacher: TeacherSpec, _ b: inout GraphBuilder, input: ValueID, sample: Shape, classes: Int,
        values: inout [String: ValueID], failed: inout FailedParts
    ) {
        guard let net = makeBackbone(teacher.backbone, sample: sample, classes: classes) else {
            failed.add(prefixes: ["teacher."], parameters: "teacher.")
            return
        }
        guard net.branchPoints.contains("input") else {
            diagnostics.error("\(teacher.backbone.name) cannot be emitted as a whole network under a prefix", at: teacher.backbone.nameMark)
            failed.add(names: net.taps.map { "teacher.\($0)" }, parameters: "teacher.")
            return
        }
        let errors = b.errors.count
        b.evalMode = true
        let emitted = net.emitBranch(&b, from: input, after: "input", prefix: "teacher.")
        b.evalMode = false
        record(
            emitted, as: "teacher.", expected: net.taps, failedBuild: b.errors.count > errors, parameters: "teacher.",
            values: &values, failed: &failed)
        _ = b.freeze(prefixes: ["teacher."])
    }

    /// Emits a node; a node that cannot be built, or whose inputs come from a failed
    /// part, is failed itself, so consumers of its outputs stay quiet.
    private func compileNode(
        _ node: NodeSpec, _ b: inout GraphBuilder, values: inout [String: ValueID], failed: inout FailedParts,
        branchCount: Int, classes: Int
    ) {
        let errors = b.errors.count
        if !emitNode(node, &b, values: &values, failed: failed, branchCount: branchCount, classes: classes) || b.errors.count > errors {
            failed.add(prefixes: ["\(node.name).", "\(node.name)["], parameters: "\(node.name).")
        }
    }

    /// Emits a node's module; false when it cannot be built (an error is reported) or
    /// an input is poisoned.
    private func emitNode(
        _ node: NodeSpec, _ b: inout GraphBuilder, values: inout [String: ValueID], failed: FailedParts,
        branchCount: Int, classes: Int
    ) -> Bool {
        let type: any ModulePlugin.Type
        do { type = try plugins.modules.lookup(node.module.name) } catch {
            diagnostics.error(error.description, at: node.module.nameMark)
            return false
        }
        let module: any ModulePlugin
        do { module = try type.make(node.module.params) } catch {
            diagnostics.report(error, in: node.module.paramsNode)
            return false
        }
        for input in node.inputs where !type.inputNames.contains(input.name) {
            diagnostics.error(
                "\(type.name) has no input '\(input.name)'" + Suggestion.note(for: input.name, in: type.inputNames)
                    + " (inputs: \(type.inputNames.joined(separator: ", ")))", at: input.ref.mark)
            return false
        }
        var inputs: [[ValueID]] = []
        for name in type.inputNames {
            guard let given = node.inputs.first(where: { $0.name == name })?.ref else {
                diagnostics.error("node '\(node.name)' does not give \(type.name)'s input '\(name)'", at: node.mark)
                return false
            }
            var refs =
                given.text.contains("[*]")
                ? (0..<branchCount).map { ValueRef(given.text.replacingOccurrences(of: "[*]", with: "[\($0)]"), at: given.mark) }
                : [given]
            if let range = Self.indexRange(in: given.text) {
                refs = range.indices.map { ValueRef(given.text.replacingCharacters(in: range.text, with: "[\($0)]"), at: given.mark) }
            }
            var list: [ValueID] = []
            for ref in refs {
                guard let v = resolve(ref, in: values, failed: failed, &b) else { return false }
                list.append(v)
            }
            inputs.append(list)
        }
        // A module fed by poisoned values is still emitted, so it reports its own mistakes.
        for k in 0..<(node.count ?? 1) {
            let counted = node.count != nil
            let outputs = module.emit(
                &b, prefix: counted ? "\(node.name).\(k)." : "\(node.name).", index: k, inputs: inputs,
                classes: classes)
            for (name, v) in outputs { values[counted ? "\(node.name)[\(k)].\(name)" : "\(node.name).\(name)"] = v }
        }
        return !inputs.joined().contains(where: b.isPoisoned)
    }

    /// The mean of the branches' logits as `ensemble.logits`.
    private func compileEnsemble(
        _ ensemble: (kind: String, mark: SourceMark), _ b: inout GraphBuilder, values: inout [String: ValueID],
        failed: inout FailedParts, branchCount: Int
    ) {
        if values["ensemble.logits"] != nil {
            diagnostics.error("'ensemble: \(ensemble.kind)' but a node already produces ensemble.logits", at: ensemble.mark)
            return
        }
        var logits: [ValueID] = []
        if branchCount < 2 {
            diagnostics.error("'ensemble: \(ensemble.kind)' needs at least 2 branches", at: ensemble.mark)
        } else {
            for k in 0..<branchCount {
                guard let v = resolve(ValueRef(BranchName.value(k, "logits"), at: ensemble.mark), in: values, failed: failed, &b) else { break }
                logits.append(v)
            }
        }
        guard branchCount >= 2, logits.count == branchCount else {
            failed.add(prefixes: ["ensemble."], parameters: nil)
            return
        }
        var sum = logits[0]
        for k in 1..<branchCount { sum = b.add("ensemble.sum\(k)", sum, logits[k]) }
        values["ensemble.logits"] = b.unary("scale", "ensemble.logits", sum, params: .object([("alpha", .double(1 / Double(branchCount)))]))
    }

    /// `[i:j]` in a node input (`branch[0:3].feature`): the indices i..<j and where the brackets are.
    static func indexRange(in text: String) -> (indices: Range<Int>, text: Range<String.Index>)? {
        guard let open = text.firstIndex(of: "["), let close = text[open...].firstIndex(of: "]") else { return nil }
        let parts = text[text.index(after: open)..<close].split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let lo = Int(parts[0]), let hi = Int(parts[1]), lo >= 0, lo < hi else { return nil }
        return (lo..<hi, open..<text.index(after: close))
    }

    // MARK: Losses

    /// The loss terms of one entry; with `values` nil, only the plugin, its params and
    /// input names are checked.
    private func compileLoss(
        _ loss: LossSpec, _ b: inout GraphBuilder, values: [String: ValueID]?, failed: FailedParts,
        branchCount: Int
    ) -> [CompiledLoss] {
        let type: any LossPlugin.Type
        do { type = try plugins.losses.lookup(loss.plugin.name) } catch {
            diagnostics.error(error.description, at: loss.plugin.nameMark)
            return []
        }
        let plugin: any LossPlugin
        do { plugin = try type.make(loss.plugin.params) } catch {
            diagnostics.report(error, in: loss.plugin.paramsNode)
            return []
        }
        var ok = true
        for input in loss.inputs where !type.inputNames.contains(input.name) {
            diagnostics.error(
                "\(type.name) has no input '\(input.name)'" + Suggestion.note(for: input.name, in: type.inputNames)
                    + " (inputs: \(type.inputNames.joined(separator: ", ")))", at: input.ref.mark)
            ok = false
        }
        for name in type.inputNames where !type.optionalInputs.contains(name) && !loss.inputs.contains(where: { $0.name == name }) {
            diagnostics.error("loss '\(loss.name)' does not give \(type.name)'s input '\(name)'", at: loss.mark)
            ok = false
        }
        for d in loss.detach where !type.inputNames.contains(d.text) {
            diagnostics.error(
                "cannot detach '\(d.text)': \(type.name) has no such input" + Suggestion.note(for: d.text, in: type.inputNames),
                at: d.mark)
            ok = false
        }
        let expands = loss.foreach != nil
        let starred = loss.inputs.contains { $0.ref.text.contains("[*]") }
        if expands && !starred {
            diagnostics.error("'foreach: branch' needs an input with '[*]' (e.g. branch[*].logits)", at: loss.foreach!.mark)
            ok = false
        }
        if expands && branchCount == 0 {
            diagnostics.error("'foreach: branch' but the model has no branches", at: loss.foreach!.mark)
            ok = false
        }
        for input in loss.inputs where !expands && input.ref.text.contains("[*]") {
            if !type.listInputs.contains(input.name) {
                diagnostics.error("'[*]' needs 'foreach: branch' on the loss", at: input.ref.mark)
                ok = false
            } else if branchCount == 0 {
                diagnostics.error("'\(input.ref.text)' names every branch but the model has no branches", at: input.ref.mark)
                ok = false
            }
        }
        guard ok, let values else { return [] }

        var terms: [CompiledLoss] = []
        for k in expands ? Array(0..<branchCount) : [0] {
            // Every input is resolved, so each bad reference is reported; a term with
            // one is not emitted, and later terms (other branches) would only repeat it.
            var unresolved = false
            let termName = expands ? "\(loss.name)[\(k)]" : loss.name
            var inputs: [[ValueID]] = []
            for name in type.inputNames {
                guard let given = loss.inputs.first(where: { $0.name == name })?.ref else {
                    inputs.append([])  // an optional input left out
                    continue
                }
                // A list input given with [*] on an entry without foreach takes every branch's value.
                let indices = !expands && given.text.contains("[*]") ? Array(0..<branchCount) : [k]
                var list: [ValueID] = []
                for i in indices {
                    let ref = ValueRef(given.text.replacingOccurrences(of: "[*]", with: "[\(i)]"), at: given.mark)
                    guard var v = resolve(ref, in: values, failed: failed, &b, branchCount: branchCount) else {
                        unresolved = true
                        continue
                    }
                    let suffix = indices.count > 1 ? "\(i)" : ""
                    if loss.detach.contains(where: { $0.text == name }) {
                        v = b.detach(v, name: "loss.\(termName).\(name)\(suffix).detached")
                    }
                    list.append(v)
                }
                inputs.append(list)
            }
            if unresolved { return terms }
            let value = plugin.emit(&b, name: "loss.\(termName)", inputLists: inputs)
            let slot = b.addLoss(termName, value)
            terms.append(CompiledLoss(name: termName, value: value, slot: slot, weight: loss.weight, skipFirstStep: loss.skipFirstStep))
        }
        return terms
    }

    // MARK: Plugins

    private func makeBackbone(_ call: PluginCall, sample: Shape, classes: Int) -> (any BackbonePlugin)? {
        do {
            let type = try plugins.backbones.lookup(call.name)
            return try type.make(call.params, input: sample, classes: classes)
        } catch let e as RegistryError {
            diagnostics.error(e.description, at: call.nameMark)
        } catch let e as ParamErrors {
            diagnostics.report(e, in: call.paramsNode)
        } catch {
            diagnostics.error("\(error)", at: call.nameMark)
        }
        return nil
    }

    private func makeOptimizer(_ call: PluginCall) -> (any Optimizer)? {
        do { return try plugins.optimizers.lookup(call.name).make(call.params) } catch let e as RegistryError {
            diagnostics.error(e.description, at: call.nameMark)
        } catch let e as ParamErrors {
            diagnostics.report(e, in: call.paramsNode)
        } catch { diagnostics.error("\(error)", at: call.nameMark) }
        return nil
    }

    private func makeSchedule(_ call: PluginCall) -> (any LRSchedule)? {
        do { return try plugins.schedules.lookup(call.name).make(call.params) } catch let e as RegistryError {
            diagnostics.error(e.description, at: call.nameMark)
        } catch let e as ParamErrors {
            diagnostics.report(e, in: call.paramsNode)
        } catch { diagnostics.error("\(error)", at: call.nameMark) }
        return nil
    }

    private func makeMetric(_ call: PluginCall) -> (any MetricPlugin)? {
        do { return try plugins.metrics.lookup(call.name).make(call.params) } catch let e as RegistryError {
            diagnostics.error(e.description, at: call.nameMark)
        } catch let e as ParamErrors {
            diagnostics.report(e, in: call.paramsNode)
        } catch { diagnostics.error("\(error)", at: call.nameMark) }
        return nil
    }

    // MARK: Memory

    /// Whether the model and its plans fit in `ExperimentPlans.memoryLimit`; if not, an
    /// error at the batch size (or at the backbone, when the parameters are the bulk).
    private func fitsInMemory(_ experiment: CompiledExperiment) -> Bool {
        let spec = experiment.spec
        if ExperimentLayout.upperBound(experiment.graph) <= Double(ExperimentPlans.memoryLimit) { return true }
        let layout = ExperimentLayout(experiment)
        guard layout.totalBytes > ExperimentPlans.memoryLimit else { return true }
        let (train, eval, deploy) = (layout.train.transientBytes, layout.eval.transientBytes, layout.deploy.transientBytes)
        let parts =
            "training arena \(Self.gib(train)), evaluation arena \(Self.gib(eval)), "
            + "deployed-model arena \(Self.gib(deploy)), parameters, gradients and state \(Self.gib(layout.persistentBytes))"
        let limit = Self.gib(Double(ExperimentPlans.memoryLimit))
        if layout.persistentBytes * 2 > layout.totalBytes {
            diagnostics.error(
                "the model needs \(Self.gib(layout.totalBytes)) (\(parts)), more than the \(limit) memory limit",
                at: spec.model.backbone.nameMark)
        } else {
            diagnostics.error(
                "the plans need \(Self.gib(layout.totalBytes)) at batch size \(spec.data.batchSize) (\(parts)), "
                    + "more than the \(limit) memory limit; lower data.batch_size", at: batchMark(spec))
        }
        return false
    }

    /// Where the batch size is written, or the data section when it is the default.
    private func batchMark(_ spec: ExperimentSpec) -> SourceMark {
        spec.root["data"]?["batch_size"]?.mark ?? spec.root["data"]?.mark ?? spec.data.datasetMark
    }

    /// `bytes` in GiB with one decimal ("16.0 GiB").
    static func gib(_ bytes: Double) -> String {
        let tenths = (bytes / Double(1 << 30) * 10).rounded()
        return "\(Int(tenths) / 10).\(Int(tenths) % 10) GiB"
    }

    static func gib(_ bytes: Int) -> String { gib(Double(bytes)) }

    // MARK: References and errors

    /// The value `ref` names, or a poisoned placeholder when a failed part would have
    /// produced it (that failure is reported already); an unknown name is an error with
    /// a did-you-mean, or, for a branch past the last of `branchCount`, with the range.
    private func resolve(
        _ ref: ValueRef, in values: [String: ValueID], failed: FailedParts, _ b: inout GraphBuilder,
        branchCount: Int? = nil
    ) -> ValueID? {
        if let v = values[ref.text] { return v }
        if failed.contains(ref.text) { return b.poisonedValue(ref.text) }
        if let count = branchCount, let k = BranchName.index(in: ref.text), k >= count {
            let range =
                count == 0
                ? "no branches"
                : count == 1
                    ? "1 branch (branch[0])"
                    : "\(count) branches (branch[0] ... branch[\(count - 1)])"
            diagnostics.error("'\(ref.text)' names branch \(k), but the model has \(range)", at: ref.mark)
            return nil
        }
        // A parameter (`branch[*].fc.weight`): a loss may read it; its gradient reaches the
        // optimizer. One under a part that failed to build (names have a module and a
        // tensor, `fc.weight`; a tap like `stage9` does not) is a quiet placeholder.
        let parameter = BranchName.parameterName(of: ref.text)
        if let v = b.graph.value(named: parameter), case .parameter = b.graph[v].role { return v }
        if parameter.contains("."), failed.mayOwnParameters(under: parameter) { return b.poisonedValue(ref.text) }
        let names = values.keys.sorted()
        let parameters = b.graph.parameters.map { BranchName.reference(ofParameter: b.graph[$0].name) }
        var message = "unknown value '\(ref.text)'" + Suggestion.note(for: ref.text, in: names + parameters)
        if Suggestion.closest(to: ref.text, in: names + parameters) == nil { message += " (values: \(names.joined(separator: ", ")))" }
        diagnostics.error(message, at: ref.mark)
        return nil
    }

    private func report(_ errors: [GraphError], origins: [SourceMark]) {
        for e in errors {
            let mark = e.origin.map { origins[$0.index] } ?? SourceMark.file("<spec>")
            let notes = e.producerOrigin.map { [Diagnostic.note("the input is produced here", at: origins[$0.index])] } ?? []
            diagnostics.error(e.message, at: mark, notes: notes)
        }
    }
}
