import CanopyRuntime
import CanopySpecs

/// Method plugin `kd`: classic distillation from a frozen teacher (Hinton et al. 2015):
/// L = (1 - alpha) CE(z_s, y) + alpha KL_T(sg[z_t] -> z_s). The spec names the teacher in
/// `model.teacher: {backbone: ..., checkpoint: path}` (values `teacher.logits`).
public struct KDMethod: MethodPlugin {
    public struct Params: PluginParams {
        @Param("softmax temperature T of the KL term", .greaterThan(0))
        public var temperature = 4.0
        @Param("weight of the KL term; cross-entropy gets 1 - alpha", .between(0, 1))
        public var alpha = 0.9
        public init() {}
    }

    public static let name = "kd"
    public static let summary = "knowledge distillation from a frozen teacher (model.teacher): (1-alpha) CE + alpha KL_T"

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func expand(_ spec: Node, context: MethodContext, at mark: SourceMark) -> Node {
        SpecSections.map([
            (
                "losses",
                .list([
                    .loss("ce", "cross_entropy", [("logits", "trunk.logits"), ("target", "target")], weight: .number(1 - params.alpha)),
                    .loss(
                        "kd", "kd_kl", [("student", "trunk.logits"), ("teacher", "teacher.logits")],
                        params: [("temperature", .number(params.temperature))], detach: ["teacher"], weight: .number(params.alpha)),
                ])
            ),
            ("eval", SpecSections.topOneAndFive),
        ]).node(at: mark)
    }
}
