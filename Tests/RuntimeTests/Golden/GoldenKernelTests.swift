import CanopyRuntime
import CanopyTestSupport
import Testing

/// Every kernel case directly in the golden folders, dispatched on `op` and `attrs`.
/// An op or attribute this table does not know fails the case; `model_step` cases are
/// whole training steps, covered by the plan tests (CanopyPluginsTests).
@Suite struct GoldenKernelTests {
    static let cases = GoldenFiles.cases(in: "")

    @Test func casesExist() {
        #expect(Self.cases.count >= 20, "golden kernel cases not found under \(GoldenFiles.folders)")
    }

    @Test(arguments: cases)
    func kernelCase(_ file: GoldenFile) throws {
        let golden = try GoldenCase(file)
        if golden.op == "model_step" { return }
        let setup = try KernelCaseSetup(op: golden.op, attrs: golden.attrs)
        let type = try BuiltInKernels.registry().type(named: setup.kernel)

        // Inputs by name (in.* or param.*), trailing optional ones may be absent.
        var inputNames: [String] = []
        for name in type.inputNames {
            guard let full = ["in.\(name)", "param.\(name)"].first(where: golden.has) else { break }
            inputNames.append(full)
        }
        let specs = inputNames.map { name in
            let t = golden.file[name]!
            return TensorSpec(Shape(t.shape), t.dtype == .int32 ? .int32 : .float32)
        }
        if let bias = setup.expectBias { #expect(bias == golden.has("param.bias"), "attrs.bias disagrees with the tensors") }
        let kernel = try KernelRegistry.make(type, params: .object(setup.params), inputs: specs)
        let gradientInputs = setup.gradientInputs.map { names in Set(type.inputNames.indices.filter { names.contains(type.inputNames[$0]) }) }
        let run = StandaloneKernel(kernel, inputs: specs, gradientInputs: gradientInputs)
        for (i, name) in inputNames.enumerated() { try golden.load(name, into: run.inputs[i].tensor) }
        for (j, name) in type.stateNames.enumerated() { try golden.load("state.\(name)", into: run.state[j].tensor) }
        for (j, name) in type.outputNames.enumerated() {
            if golden.has("grad_out.\(name)") {
                try golden.load("grad_out.\(name)", into: run.outputGrads[j].tensor)
            } else if j == 0 && kernel.outputs[0].shape == [1] {
                run.outputGrads[j].tensor.f[0] = 1  // a loss: the gradient of the loss itself
            }
        }

        run.forward(training: setup.training)
        run.backward(training: setup.training)

        var checked: [(String, Double)] = []
        for (j, name) in type.outputNames.enumerated() where golden.has("out.\(name)") {
            checked.append(("out.\(name)", golden.relativeError("out.\(name)", run.outputs[j].tensor.toArray())))
        }
        for (j, name) in type.stateNames.enumerated() where golden.has("out.\(name)") {
            checked.append(("out.\(name)", golden.relativeError("out.\(name)", run.state[j].tensor.toArray())))
        }
        for (i, name) in type.inputNames.enumerated() where golden.has("grad.\(name)") {
            let computed = run.inputGrads[i]?.tensor.toArray() ?? [Float](repeating: 0, count: specs[i].shape.count)
            checked.append(("grad.\(name)", golden.relativeError("grad.\(name)", computed)))
        }
        #expect(!checked.isEmpty)
        for (name, error) in checked {
            #expect(error <= golden.tolerance, "\(file.label) \(name): relative error \(error) > \(golden.tolerance)")
        }
        #expect(golden.unused.isEmpty, "\(file.label): tensors not checked: \(golden.unused)")
    }
}

/// How a golden op and its attrs map to a kernel, its params and the call.
struct KernelCaseSetup {
    var kernel: String
    var params: [(key: String, value: ParamValue)] = []
    var training = true
    /// Names of the inputs whose gradient is requested (nil: every float input).
    var gradientInputs: Set<String>?
    /// What attrs say about a bias input, to check against the tensors.
    var expectBias: Bool?

    init(op: String, attrs: ParamValue) throws {
        var a = try AttrReader(attrs)
        var params: [(key: String, value: ParamValue)] = []
        func pass(_ keys: String...) {
            for k in keys { if let v = a.take(k) { params.append((k, v)) } }
        }
        switch op {
        case "conv2d":
            kernel = "conv2d"
            pass("stride", "padding", "groups", "dilation")
            if case let .bool(b)? = a.take("bias") { expectBias = b }
            a.documentation("layout")
        case "batchnorm2d", "batchnorm1d":
            kernel = op
            pass("eps", "momentum")
            if case let .bool(t)? = a.take("training") { training = t }
            a.documentation("running_var")
        case "layernorm":
            kernel = "layernorm"
            pass("eps", "layout")
        case "gelu_erf":
            kernel = "gelu"
        case "relu":
            kernel = "relu"
        case "linear":
            kernel = "linear"
            a.documentation("layout")
        case "maxpool", "avgpool":
            kernel = op + "2d"
            pass("kernel", "stride", "padding")
        case "global_avgpool":
            kernel = "global_avgpool"
            a.documentation("output")
        case "cross_entropy":
            kernel = "cross_entropy"
            pass("label_smoothing", "reduction")
        case "kd_kl":
            kernel = "kd_kl"
            pass("temperature", "reduction")
            if case .bool(true)? = a.take("teacher_detached") { gradientInputs = ["student"] }
            switch a.take("scale") {
            case nil, .string("T^2")?: break
            case let other?: throw GoldenError("kd_kl: unknown scale \(other)")
            }
        case "attention":
            kernel = "attention"
            pass("scale")
        default:
            throw GoldenError("unknown golden op '\(op)'")
        }
        try a.finish(op: op)
        self.params = params
    }
}
