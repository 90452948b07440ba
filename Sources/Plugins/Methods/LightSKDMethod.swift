import CanopyRuntime
import CanopySpecs

/// Method plugin `lightskd`: Lightweight Self-Knowledge Distillation (Wang et al. 2023,
/// docs/methods.md#lightskd), no peers. DRG: a `lightskd_adapter` node `adapter` on the
/// backbone tap `from` (values `adapter.logits` = z_d, `adapter.mask`), losses `ce_adapter`
/// = CE(z_d) and `drg` = KL_T(sg[z_d] -> z) weighted `alpha`. DSR: a `sort` node `sorted`
/// (`sorted.values` = sort(z), ascending per row) and a `step_memory` node `dsr` (buffer
/// `dsr.memory` = the previous step's sorted logits), loss `dsr` = KL_T(sg[memory] ->
/// sort(z)) weighted `beta`, skipped on the first step of every epoch. Always `ce` = CE(z).
/// Deploys the plain backbone (no adapter).
public struct LightSKDMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("distillation with reverse guidance: the adapter and its CE and KL terms")
        public var drg = true
        @Param("distillation with shape-wise regularisation: the sorted-logit memory term")
        public var dsr = true
        @Param("backbone tap the adapter reads (the stage-2 output in the paper)", type: "tap name")
        public var from = "stage2"
        @Param("softmax temperature T of both KL terms (official: 4)", .greaterThan(0))
        public var temperature = 4.0
        @Param("weight of the DRG term", .atLeast(0))
        public var alpha = 0.2
        @Param("weight of the DSR term", .atLeast(0))
        public var beta = 1.0
        public init() {}
    }

    public static let name = "lightskd"
    public static let summary =
        "LightSKD (Wang et al. 2023): attention adapter on stage 2 teaches the final logits (DRG), previous batch's sorted logits regularise the current ones (DSR)"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        let from = params.from.hasPrefix("trunk.") ? String(params.from.dropFirst(6)) : params.from
        let kl: [(String, SpecSections)] = [("temperature", .number(params.temperature))]
        var nodes: [SpecSections] = []
        var losses: [SpecSections] = [.loss("ce", "cross_entropy", [("logits", "trunk.logits"), ("target", "target")])]
        if params.drg {
            nodes.append(
                .map([("name", .text("adapter")), ("module", .text("lightskd_adapter")), ("inputs", .map([("feature", .text("trunk.\(from)"))]))]))
            losses.append(.loss("ce_adapter", "cross_entropy", [("logits", "adapter.logits"), ("target", "target")]))
            losses.append(
                .loss(
                    "drg", "kd_kl", [("student", "trunk.logits"), ("teacher", "adapter.logits")], params: kl, detach: ["teacher"],
                    weight: .number(params.alpha)))
        }
        if params.dsr {
            nodes.append(.map([("name", .text("sorted")), ("module", .text("sort")), ("inputs", .map([("x", .text("trunk.logits"))]))]))
            nodes.append(.map([("name", .text("dsr")), ("module", .text("step_memory")), ("inputs", .map([("value", .text("sorted.values"))]))]))
            losses.append(
                .loss(
                    "dsr", "kd_kl", [("student", "sorted.values"), ("teacher", "dsr.previous")], params: kl, detach: ["teacher"],
                    weight: .number(params.beta), skipFirstStep: true))
        }
        var sections: [(String, SpecSections)] = []
        if !nodes.isEmpty { sections.append(("model", .map([("nodes", .list(nodes))]))) }
        sections += [("losses", .list(losses)), ("eval", SpecSections.topOneAndFive)]
        return SpecSections.map(sections).node(at: mark)
    }
}
