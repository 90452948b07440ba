import CanopyRuntime
import CanopySpecs

/// Loss `sym_kl`: KL(p || q) + KL(q || p) = T^2 * batch-mean sum_c (p_c - q_c)(log p_c - log q_c),
/// p = softmax(student / T), q = softmax(teacher / T). Built from primitive kernels, so the
/// compiler derives the backward; detach one input for one-way distillation.
public struct SymmetricKLLoss: LossPlugin {
    public struct Params: PluginParams {
        @Param("softmax temperature T", .greaterThan(0)) public var temperature = 1.0
        public init() {}
    }
    public static let name = "sym_kl"
    public static let summary = "T^2 * batch-mean [KL(p || q) + KL(q || p)], p = softmax(student/T), q = softmax(teacher/T)"
    public static let inputNames = ["student", "teacher"]
    public let params: Params
    public init(params: Params) { self.params = params }

    public func emit(_ b: inout GraphBuilder, name: String, inputs: [ValueID]) -> ValueID {
        b.expression(name, inputs) { x in
            let T = params.temperature, (p, q) = (softmax(x[0], temperature: T), softmax(x[1], temperature: T))
            return T * T * mean(sum((p - q) * (logSoftmax(x[0], temperature: T) - logSoftmax(x[1], temperature: T)), axes: [1]))
        }
    }
}
