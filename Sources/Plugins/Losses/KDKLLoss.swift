import CanopyRuntime
import CanopySpecs

/// Loss plugin `kd_kl`: temperature distillation KL_T(teacher -> student) =
/// T^2 * batch-mean KL(softmax(teacher/T) || softmax(student/T)) (docs/methods.md#temperature-kl).
/// Detach the teacher with `detach: [teacher]` for classic KD; leave it attached for
/// mutual learning. One fused kernel node.
public struct KDKLLoss: LossPlugin {
    public struct Params: PluginParams {
        @Param("softmax temperature T", .greaterThan(0))
        public var temperature = 1.0
        @Param("constant added to the teacher probabilities (ONE/OKDDip use 1e-7)", .atLeast(0))
        public var teacherEps = 0.0
        public init() {}
    }

    public static let name = "kd_kl"
    public static let summary = "T^2 * batch-mean KL(softmax(teacher/T) || softmax(student/T))"
    public static let inputNames = ["student", "teacher"]

    public let params: Params

    public init(params: Params) throws(ParamError) {
        self.params = params
    }

    public func emit(_ b: inout GraphBuilder, name: String, inputs: [ValueID]) -> ValueID {
        b.apply(
            KDKL.self, name: name, params: .init(temperature: Float(params.temperature), teacherEps: Float(params.teacherEps)),
            inputs: inputs)[0]
    }
}
