import CanopyRuntime
import CanopySpecs

/// Loss `sym_kl`: KL(p || q) + KL(q || p) = T^2 * batch-mean sum_c (p_c - q_c)(log p_c - log q_c),
/// p = softmax(student / T), q = softmax(teacher / T). Built from primitive kernels, so the
/// compiler derives the backward; detach one input for one-way distillation.
public struct SymmetricKLLoss: LossPlugin {
    public struct Params: PluginParams {
        public var temperature = 1.0
        public init() {}
    }
    public static let name = "sym_kl"
    public static let summary = "T^2 * batch-mean [KL(p || q) + KL(q || p)], p = softmax(student/T), q = softmax(teacher/T)"
    public static let parameters = [ParameterDoc("temperature", "number > 0", default: "1", "softmax temperature T")]
    public static let inputNames = ["student", "teacher"]
    public let params: Params

    public init(params: Params) throws(ParamError) {
        guard params.temperature > 0 && params.temperature.isFinite else {
            throw ParamError(path: ["temperature"], "must be greater than 0, found \(params.temperature)")
        }
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, name: String, inputs: [ValueID]) -> ValueID {
        b.expression(name, inputs) { x in
            let T = params.temperature, (p, q) = (softmax(x[0], temperature: T), softmax(x[1], temperature: T))
            return T * T * mean(sum((p - q) * (logSoftmax(x[0], temperature: T) - logSoftmax(x[1], temperature: T)), axes: [1]))
        }
    }
}
