import CanopyRuntime

/// The error that building kernel `name` with these params and input specs throws, or nil
/// when it builds.
func setupFailure(_ name: String, _ params: ParamValue = .empty, inputs: [TensorSpec]) -> KernelSetupError? {
    do {
        _ = try BuiltInKernels.registry().make(name, params: params, inputs: inputs)
        return nil
    } catch {
        return error
    }
}

extension KernelSetupError {
    /// The input a kernel error blames, if this is a kernel error that names one.
    var blamedInput: Int? {
        if case let .kernel(e) = self { return e.input }
        return nil
    }
}
