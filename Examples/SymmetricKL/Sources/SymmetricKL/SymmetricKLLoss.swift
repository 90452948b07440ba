import CanopyRuntime
import CanopySpecs

/// Loss plugin `sym_kl`: the symmetric (Jeffreys) divergence between two sets of logits
/// at temperature T,
///
///     T^2 * batch-mean sum_c (p_c - q_c) (log p_c - log q_c),
///     p = softmax(student / T), q = softmax(teacher / T),
///
/// which is KL(p || q) + KL(q || p): a mutual-learning term that pulls both sides
/// (detach one input for one-way distillation). A composite of primitive kernels
/// (softmax, log_softmax, scale, add, mul, sum), so the compiler derives its backward
/// and the plugin has no gradient code.
public struct SymmetricKLLoss: LossPlugin {
    public struct Params: Decodable, Sendable {
        public var temperature: Double = 1
        enum CodingKeys: String, CodingKey { case temperature }
        public init(temperature: Double = 1) { self.temperature = temperature }
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            temperature = try c.decodeIfPresent(Double.self, forKey: .temperature) ?? 1
        }
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
        var (student, teacher) = (inputs[0], inputs[1])
        if !b.isPoisoned(student) && !b.isPoisoned(teacher) {
            let s = b.spec(student), t = b.spec(teacher)
            if s.shape.rank != 2 || s != t {
                b.error("\(name): sym_kl needs student and teacher logits of one [batch, classes] shape, found \(s) and \(t)")
                // Build the rest on the student alone, so the mismatch is reported once.
                teacher = student
            }
        }
        let batch = b.isPoisoned(student) || b.spec(student).shape.rank == 0 ? 1 : b.spec(student).shape[0]
        let softmax = ParamValue.object([("temperature", .double(params.temperature))])
        let p = b.unary("softmax", "\(name).p", student, params: softmax)
        let q = b.unary("softmax", "\(name).q", teacher, params: softmax)
        let logP = b.unary("log_softmax", "\(name).log_p", student, params: softmax)
        let logQ = b.unary("log_softmax", "\(name).log_q", teacher, params: softmax)
        let negate = ParamValue.object([("alpha", .double(-1))])
        let dp = b.add("\(name).p_minus_q", p, b.unary("scale", "\(name).neg_q", q, params: negate))
        let dlog = b.add("\(name).log_ratio", logP, b.unary("scale", "\(name).neg_log_q", logQ, params: negate))
        let total = b.unary("sum", "\(name).total", b.apply("mul", name: "\(name).terms", inputs: [dp, dlog])[0])
        let factor = params.temperature * params.temperature / Double(max(batch, 1))
        return b.unary("scale", name, total, params: .object([("alpha", .double(factor))]))
    }
}
