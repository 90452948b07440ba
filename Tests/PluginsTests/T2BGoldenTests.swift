import CanopyPlugins
import CanopyRuntime
import CanopySpecs
import CanopyTestSupport
import Testing

/// The T2B loss heads of the golden `methods/` folder (t2b_feature, t2b_variantA,
/// t2b_variantB, t2b_total): the graph is built directly, every float `in.*` a trainable
/// parameter, the losses emitted by the `decorrelation`, `cross_entropy` and `kd_kl`
/// plugins with the weights of the formula; loss, every named term and every gradient
/// are compared. Every attr is used, checked against the one supported value, or prose.
@Suite struct T2BGoldenTests {
    static let cases = GoldenFiles.cases(in: "methods").filter {
        guard let golden = try? GoldenCase($0), case let .object(pairs) = golden.attrs,
              case let .string(method)? = pairs.first(where: { $0.key == "method" })?.value else { return false }
        return method.hasPrefix("t2b_")
    }

    @Test func allFourCasesExist() { #expect(Self.cases.count >= 4) }

    @Test(arguments: cases)
    func lossHead(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        var attrs = try AttrReader(golden.attrs)
        attrs.documentation("formula")
        guard case let .string(method)? = attrs.take("method"), case let .int(k)? = attrs.take("branches") else {
            throw GoldenError("\(file.label): no method or branch count")
        }
        func number(_ key: String) throws -> Double {
            switch attrs.take(key) {
            case let .double(d)?: return d
            case let .int(i)?: return Double(i)
            default: throw GoldenError("\(file.label): attr \(key) is not a number")
            }
        }
        func expect(_ key: String, _ value: ParamValue) throws {
            let found = attrs.take(key)
            if found != value { throw GoldenError("\(file.label): attr \(key) is \(String(describing: found)); only \(value) is supported") }
        }
        let variant: String
        switch attrs.take("decorrelation") {
        case .string("feature_cross_correlation")?: variant = "feature"
        case .string("offdiag_cross_correlation")?: variant = "A"
        case .string("logit_pearson")?: variant = "B"
        case let other: throw GoldenError("\(file.label): unknown decorrelation \(String(describing: other))")
        }
        var decParams: [(key: String, value: ParamValue)] = [("variant", .string(variant))]
        if variant == "B" {
            decParams += [("temperature", .double(try number("temperature"))), ("pearson_eps", .double(try number("pearson_eps")))]
        } else {
            decParams.append(("std_eps", .double(try number("std_eps"))))
        }
        let total = method == "t2b_total"
        var (temperature, ramp, lambdaBW, lambdaEns, lambdaDec) = (1.0, 0.0, 0.0, 0.0, 1.0)
        if total {
            (temperature, ramp) = (try number("temperature"), try number("ramp_weight"))
            (lambdaBW, lambdaEns, lambdaDec) = (try number("lambda_bw"), try number("lambda_ens"), try number("lambda_dec"))
            try expect("teacher_eps", .double(0))
            try expect("teacher_detached", .bool(true))
            try expect("ensemble_to_branch_kd", .bool(false))
        }
        try attrs.finish(op: golden.op)

        // The graph: every float input a trainable parameter under its file name.
        var b = GraphBuilder(kernels: BuiltInKernels.registry())
        var values: [String: ValueID] = [:]
        for name in golden.file.names where name.hasPrefix("in.") {
            let t = golden.file[name]!
            let short = String(name.dropFirst(3))
            values[short] = t.dtype == .int32 ? b.input(short, TensorSpec(Shape(t.shape), .int32))
                : b.parameter(short, Shape(t.shape), .zeros)
        }
        let branchName = variant == "B" ? "logits" : "feature"
        let decorrelation = try DecorrelationLoss.make(.object(decParams))
        var dec = [(0..<k).map { values["branch\($0).\(branchName)"]! }]
        if variant == "B" { dec.append([values["target"]!]) }
        let decValue = decorrelation.emit(&b, name: "dec", inputLists: dec)
        var weighted: [(slot: Int, weight: Double)] = [(b.addLoss("dec", decValue), lambdaDec)]
        var terms: [ValueID] = []
        var ceBranches: [ValueID] = [], kdBranches: [ValueID] = []
        var ensemble: ValueID?
        if total {
            let ce = try CrossEntropyLoss.make(.empty)
            let kd = try KDKLLoss.make(.object([("temperature", .double(temperature))]))
            let trunk = values["trunk.logits"]!, target = values["target"]!
            let ceTrunk = ce.emit(&b, name: "ce_trunk", inputs: [trunk, target])
            weighted.append((b.addLoss("ce_trunk", ceTrunk), 1))
            var sum = values["branch0.logits"]!
            for i in 0..<k {
                let z = values["branch\(i).logits"]!
                if i > 0 { sum = b.add("ensemble.sum\(i)", sum, z) }
                ceBranches.append(ce.emit(&b, name: "ce_branch\(i)", inputs: [z, target]))
                weighted.append((b.addLoss("ce_branch\(i)", ceBranches[i]), 1 / Double(k)))
                kdBranches.append(kd.emit(&b, name: "kd_branch\(i)", inputs: [trunk, b.detach(z, name: "teacher\(i)")]))
                weighted.append((b.addLoss("kd_branch\(i)", kdBranches[i]), ramp * lambdaBW / Double(k)))
            }
            ensemble = b.unary("scale", "ensemble", sum, params: .object([("alpha", .double(1 / Double(k)))]))
            let kdEnsemble = kd.emit(&b, name: "kd_ensemble", inputs: [trunk, b.detach(ensemble!, name: "teacher_ensemble")])
            weighted.append((b.addLoss("kd_ensemble", kdEnsemble), ramp * lambdaEns))
            terms = [ceTrunk, kdEnsemble]
        }
        try #require(b.errors.isEmpty, "\(b.errors)")
        let graph = b.graph
        func named(_ suffix: String) -> [ValueID] {
            graph.values.indices.filter { graph.values[$0].name.hasSuffix(suffix) }.map { ValueID($0) }
        }
        let pairs = named(variant == "B" ? ".correlation" : ".cross_correlation")
        let memory = ModelMemory(graph: graph)
        let plan = PlanLowering.lower(memory, purpose: .train,
                                      outputs: [decValue] + terms + ceBranches + kdBranches + pairs + (ensemble.map { [$0] } ?? []))
        for (slot, weight) in weighted { plan.setLossWeight(slot: slot, Float(weight)) }
        for v in graph.parameters { try golden.load("in.\(graph[v].name)", into: memory.parameter(v)) }
        if let t = plan.input("target") { try golden.load("in.target", into: t) }
        plan.run()

        func out(_ v: ValueID) -> [Float] { plan.output(v)!.toArray() }
        let dec1 = out(decValue)[0]
        var totalLoss = Double(dec1) * lambdaDec
        var errors: [(String, Double)] = [("out.decorrelation", golden.relativeError("out.decorrelation", [dec1]))]
        errors.append((variant == "B" ? "out.pair_correlation" : "out.cross_correlation",
                       golden.relativeError(variant == "B" ? "out.pair_correlation" : "out.cross_correlation", pairs.flatMap(out))))
        if total {
            let ceTrunk = out(terms[0])[0], kdEnsemble = out(terms[1])[0]
            let ce = ceBranches.map { out($0)[0] }, kd = kdBranches.map { Double(out($0)[0]) }
            let kdMean = kd.reduce(0, +) / Double(k)
            totalLoss += Double(ceTrunk) + ce.reduce(0) { $0 + Double($1) } / Double(k) + ramp * (lambdaBW * kdMean + lambdaEns * Double(kdEnsemble))
            errors += [("out.ce_trunk", golden.relativeError("out.ce_trunk", [ceTrunk])),
                       ("out.ce_branches", golden.relativeError("out.ce_branches", ce)),
                       ("out.kd_branchwise", golden.relativeError("out.kd_branchwise", [Float(kdMean)])),
                       ("out.kd_ensemble", golden.relativeError("out.kd_ensemble", [kdEnsemble])),
                       ("out.ensemble_logits", golden.relativeError("out.ensemble_logits", out(ensemble!)))]
        }
        errors.append(("out.loss", golden.relativeError("out.loss", [Float(totalLoss)])))
        for v in graph.parameters {
            let name = "grad.\(graph[v].name)"
            errors.append((name, golden.relativeError(name, try #require(memory.gradient(v)).toArray())))
        }
        for (name, error) in errors {
            #expect(error <= golden.tolerance, "\(file.label) \(name): relative error \(error) > \(golden.tolerance)")
        }
        #expect(golden.unused.isEmpty, "\(file.label): tensors not checked: \(golden.unused)")
        let worst = errors.max { $0.1 < $1.1 }!
        print("t2b golden \(file.label): max relative L2 error \(worst.1) (\(worst.0))")
    }
}
