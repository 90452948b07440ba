import CanopyRuntime
import CanopySpecs

/// Module plugin `step_memory`: step state (docs/spec-reference.md#step-state). Output
/// `previous` is what input `value` was at the previous training step, read from the
/// persistent buffer `<node>.memory` (zero before the first step), which the step then
/// overwrites with this step's value. No gradient flows through it; checkpoints save the
/// buffer, so a resumed run continues bit for bit. Pair a loss on `previous` with
/// `skip_first_step: true` when the memory of an epoch's first step must not be used.
public struct StepMemoryModule: ModulePlugin {
    /// No params.
    public struct Params: PluginParams { public init() {} }

    public static let name = "step_memory"
    public static let summary = "the value of the previous training step (persistent buffer <node>.memory, in checkpoints; no gradient)"
    public static let inputNames = ["value"]
    public static let outputNames = ["previous"]

    public init(params: Params) throws(ParamError) {}

    public func emit(_ b: inout GraphBuilder, prefix: String, index: Int, inputs: [[ValueID]], classes: Int) -> [String: ValueID] {
        guard let value = inputs[0].first, inputs[0].count == 1 else {
            b.error("step_memory takes one value, got \(inputs[0].count)")
            return [:]
        }
        let name = String(prefix.dropLast())
        return ["previous": b.apply(StepMemory.self, name: name, params: .init(), inputs: [value])[0]]
    }
}
