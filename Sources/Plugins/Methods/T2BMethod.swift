import CanopyRuntime
import CanopySpecs

/// Method plugin `t2b`: Trunk-to-Branch (Ajou thesis; the concrete formulation is the
/// proposal of methods.md §2.2). The backbone keeps its own head (the trunk, deployed
/// alone: `deploy: trunk.logits`); a semantic permeation node concatenates the pooled
/// earlier stage(s) with the last stage (`t2b_permeation`); K one-layer peer branches
/// (`t2b_branch`, node `branch` with `count: K`) read it. Losses:
///
///   L = CE(z_0) + (1/K) sum_k CE(z_k) + w(e) (lambda_bw L_bw + lambda_ens L_ens) + lambda_dec L_dec
///
/// with L_bw = (1/K) sum_k KL_T(sg[z_k] -> z_0) (terms `kd_branchwise[k]`, each weighted
/// w lambda_bw / K), L_ens = KL_T(sg[mean_k z_k] -> z_0) (`kd_ensemble`), L_dec the
/// `decorrelation` of the branch features (`decorrelation`), w the consistency ramp.
/// Every ablation switch of §2.2 is a param: permeation on/off, which stages, detached P,
/// decorrelation variant or off, branch-wise / ensemble / ensemble->branch distillation,
/// detached or mutual teachers, kernel sizes, branch count and width.
public struct T2BMethod: MethodPlugin {
    public struct Params: Decodable, Sendable {
        public var branches = 3
        public var kernels: [Int]?
        public var width: Int?
        public var permeation = true
        public var stages = ["stage2", "stage3"]
        public var detachPermeation = false
        public var decorrelation = "feature"
        public var lambdaDec = 0.5
        public var branchwiseKD = true
        public var lambdaBW = 1.0
        public var ensembleKD = true
        public var lambdaEns = 1.0
        public var ensembleToBranchKD = false
        public var detachTeachers = true
        public var temperature = 3.0
        public var ramp = 80

        enum CodingKeys: String, CodingKey {
            case branches, kernels, width, permeation, stages
            case detachPermeation = "detach_permeation"
            case decorrelation
            case lambdaDec = "lambda_dec"
            case branchwiseKD = "branchwise_kd"
            case lambdaBW = "lambda_bw"
            case ensembleKD = "ensemble_kd"
            case lambdaEns = "lambda_ens"
            case ensembleToBranchKD = "ensemble_to_branch_kd"
            case detachTeachers = "detach_teachers"
            case temperature, ramp
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            branches = try c.decodeIfPresent(Int.self, forKey: .branches) ?? branches
            kernels = try c.decodeIfPresent([Int].self, forKey: .kernels)
            width = try c.decodeIfPresent(Int.self, forKey: .width)
            permeation = try c.decodeIfPresent(Bool.self, forKey: .permeation) ?? permeation
            stages = try c.decodeIfPresent([String].self, forKey: .stages) ?? stages
            detachPermeation = try c.decodeIfPresent(Bool.self, forKey: .detachPermeation) ?? detachPermeation
            decorrelation = try c.decodeIfPresent(String.self, forKey: .decorrelation) ?? decorrelation
            lambdaDec = try c.decodeIfPresent(Double.self, forKey: .lambdaDec) ?? lambdaDec
            branchwiseKD = try c.decodeIfPresent(Bool.self, forKey: .branchwiseKD) ?? branchwiseKD
            lambdaBW = try c.decodeIfPresent(Double.self, forKey: .lambdaBW) ?? lambdaBW
            ensembleKD = try c.decodeIfPresent(Bool.self, forKey: .ensembleKD) ?? ensembleKD
            lambdaEns = try c.decodeIfPresent(Double.self, forKey: .lambdaEns) ?? lambdaEns
            ensembleToBranchKD = try c.decodeIfPresent(Bool.self, forKey: .ensembleToBranchKD) ?? ensembleToBranchKD
            detachTeachers = try c.decodeIfPresent(Bool.self, forKey: .detachTeachers) ?? detachTeachers
            temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? temperature
            ramp = try c.decodeIfPresent(Int.self, forKey: .ramp) ?? ramp
        }
    }

    public static let name = "t2b"
    public static let summary = "Trunk-to-Branch: trunk + one-layer peer branches on permeated deep features, decorrelation, branch/ensemble KD into the trunk"
    public static let parameters = [
        ParameterDoc("branches", "int in 1...64", default: "3", "number of peer branches K"),
        ParameterDoc("kernels", "list of K odd ints", default: "[3, 5, 7, ...] (3 + 2k)", "depthwise kernel size per branch"),
        ParameterDoc("width", "int", default: "the last stage's channels", "branch feature dimension D (1x1 conv output)"),
        ParameterDoc("permeation", "bool", default: "true", "branches read P = concat(pooled earlier stages, last stage); false: the last stage alone"),
        ParameterDoc("stages", "list of >= 2 backbone taps", default: "[stage2, stage3]",
                     "stages concatenated into P, shallow to deep ([stage1, stage2, stage3]: all-stage variant)"),
        ParameterDoc("detach_permeation", "bool", default: "false", "stop branch gradients at P (no alignment via backpropagation)"),
        ParameterDoc("decorrelation", "feature | A | B | off", default: "feature", "decorrelation loss variant (see loss `decorrelation`), or none"),
        ParameterDoc("lambda_dec", "number >= 0", default: "0.5", "weight of the decorrelation loss"),
        ParameterDoc("branchwise_kd", "bool", default: "true", "L_bw: each branch distils into the trunk"),
        ParameterDoc("lambda_bw", "number >= 0", default: "1", "weight of L_bw (times the ramp)"),
        ParameterDoc("ensemble_kd", "bool", default: "true", "L_ens: the branch mean distils into the trunk"),
        ParameterDoc("lambda_ens", "number >= 0", default: "1", "weight of L_ens (times the ramp)"),
        ParameterDoc("ensemble_to_branch_kd", "bool", default: "false", "also (1/K) sum_k KL_T(ensemble -> branch k), ramped"),
        ParameterDoc("detach_teachers", "bool", default: "true", "stop-gradient on every KD teacher; false: mutual (teachers also learn from the KL)"),
        ParameterDoc("temperature", "number > 0", default: "3", "KD temperature T (also variant B's softmax temperature)"),
        ParameterDoc("ramp", "int >= 0", default: "80", "consistency ramp length in epochs for the KD terms (0: no ramp)"),
    ]

    public let params: Params
    /// The kernel size of each branch.
    public let kernels: [Int]

    public init(params: Params) throws(ParamError) {
        guard (1...64).contains(params.branches) else { throw ParamError(path: ["branches"], "must be between 1 and 64, found \(params.branches)") }
        let kernels = params.kernels ?? (0..<params.branches).map { 3 + 2 * $0 }
        guard kernels.count == params.branches else {
            throw ParamError(path: ["kernels"], "expected \(params.branches) kernel sizes (one per branch), found \(kernels.count)")
        }
        guard params.stages.count >= 2 else { throw ParamError(path: ["stages"], "expected at least 2 stages, found \(params.stages)") }
        guard ["feature", "A", "B", "off"].contains(params.decorrelation) else {
            throw ParamError(path: ["decorrelation"], "unknown decorrelation '\(params.decorrelation)' (feature, A, B or off)")
        }
        if params.decorrelation != "off" && params.branches < 2 {
            throw ParamError(path: ["decorrelation"], "needs at least 2 branches; use 'off' with one branch")
        }
        for (key, v) in [("lambda_dec", params.lambdaDec), ("lambda_bw", params.lambdaBW), ("lambda_ens", params.lambdaEns)] where !(v >= 0 && v.isFinite) {
            throw ParamError(path: [key], "must be at least 0, found \(v)")
        }
        guard params.temperature > 0 && params.temperature.isFinite else {
            throw ParamError(path: ["temperature"], "must be greater than 0, found \(params.temperature)")
        }
        guard params.ramp >= 0 else { throw ParamError(path: ["ramp"], "must be at least 0, found \(params.ramp)") }
        self.params = params
        self.kernels = kernels
    }

    public func expand(_ spec: Node, at mark: SourceMark) -> Node {
        func map(_ pairs: [(String, Node)]) -> Node {
            .mapping(pairs.map { Node.Pair(key: .string($0.0, at: mark), value: $0.1) }, at: mark)
        }
        func str(_ s: String) -> Node { .string(s, at: mark) }
        func num(_ x: Double) -> Node { .plain(x.rounded() == x && abs(x) < 1e15 ? String(Int(x)) : String(x), at: mark) }
        func list(_ items: [Node]) -> Node { .sequence(items, at: mark) }
        func ramped(_ max: Double) -> Node { params.ramp == 0 ? num(max) : map([("ramp", num(Double(params.ramp))), ("max", num(max))]) }
        let k = Double(params.branches)
        let kd = map([("temperature", num(params.temperature))])
        let detach = params.detachTeachers ? [("detach", list([str("teacher")]))] : []

        // Permeation: a chain of nodes, the last one named `permeation`.
        var nodes: [Node] = []
        let last = "trunk.\(params.stages.last!)"
        var branchInput = last
        if params.permeation {
            var shallow = "trunk.\(params.stages[0])"
            for (i, stage) in params.stages.dropFirst().enumerated() {
                let isLast = i == params.stages.count - 2
                let name = isLast ? "permeation" : "permeation_\(i + 1)"
                let moduleParams = isLast && params.detachPermeation ? [("params", map([("detached", .plain("true", at: mark))]))] : []
                nodes.append(map([("name", str(name)), ("module", str("t2b_permeation"))] + moduleParams
                                 + [("inputs", map([("shallow", str(shallow)), ("deep", str("trunk.\(stage)"))]))]))
                shallow = "\(name).output"
            }
            branchInput = "permeation.output"
        }
        var branchParams = [("kernels", list(kernels.map { num(Double($0)) }))]
        if let w = params.width { branchParams.append(("width", num(Double(w)))) }
        nodes.append(map([("name", str("branch")), ("module", str("t2b_branch")), ("params", map(branchParams)),
                          ("count", num(k)), ("inputs", map([("x", str(branchInput)), ("deep", str(last))]))]))
        var model: [(String, Node)] = [("nodes", list(nodes)), ("deploy", str("trunk.logits"))]
        let ensemble = params.branches >= 2 ? "ensemble.logits" : "branch[0].logits"
        if params.branches >= 2 { model.append(("ensemble", str("mean"))) }

        var losses: [Node] = [
            map([("name", str("ce_trunk")), ("plugin", str("cross_entropy")),
                 ("inputs", map([("logits", str("trunk.logits")), ("target", str("target"))]))]),
            map([("name", str("ce_branches")), ("plugin", str("cross_entropy")), ("foreach", str("branch")),
                 ("inputs", map([("logits", str("branch[*].logits")), ("target", str("target"))])), ("weight", num(1 / k))]),
        ]
        if params.branchwiseKD {
            losses.append(map([("name", str("kd_branchwise")), ("plugin", str("kd_kl")), ("foreach", str("branch")), ("params", kd),
                               ("inputs", map([("student", str("trunk.logits")), ("teacher", str("branch[*].logits"))]))] + detach
                              + [("weight", ramped(params.lambdaBW / k))]))
        }
        if params.ensembleKD {
            losses.append(map([("name", str("kd_ensemble")), ("plugin", str("kd_kl")), ("params", kd),
                               ("inputs", map([("student", str("trunk.logits")), ("teacher", str(ensemble))]))] + detach
                              + [("weight", ramped(params.lambdaEns))]))
        }
        if params.ensembleToBranchKD {
            losses.append(map([("name", str("kd_ensemble_branch")), ("plugin", str("kd_kl")), ("foreach", str("branch")), ("params", kd),
                               ("inputs", map([("student", str("branch[*].logits")), ("teacher", str(ensemble))]))] + detach
                              + [("weight", ramped(1 / k))]))
        }
        if params.decorrelation != "off" {
            let logits = params.decorrelation == "B"
            var decParams = [("variant", str(params.decorrelation))]
            if logits { decParams.append(("temperature", num(params.temperature))) }
            let inputs = logits ? [("branches", str("branch[*].logits")), ("target", str("target"))] : [("branches", str("branch[*].feature"))]
            losses.append(map([("name", str("decorrelation")), ("plugin", str("decorrelation")), ("params", map(decParams)),
                               ("inputs", map(inputs)), ("weight", num(params.lambdaDec))]))
        }
        return map([("model", map(model)), ("losses", list(losses))])
    }
}
