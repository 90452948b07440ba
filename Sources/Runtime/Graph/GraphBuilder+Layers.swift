/// Layer helpers: each creates the parameters of a PyTorch module under its
/// state_dict names (`<name>.weight`, `<name>.bias`) and applies the kernel, so
/// backbone and branch plugins read like the PyTorch modules they mirror.
extension GraphBuilder {
    /// nn.Conv2d: weight `[out, in/groups, k, k]`, optional bias.
    public mutating func conv2d(
        _ name: String, _ x: ValueID, out: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
        groups: Int = 1, bias: Bool = false, weightInit: Initializer = .kaimingNormalFanOut,
        biasInit: Initializer? = nil
    ) -> ValueID {
        let cin = isPoisoned(x) || spec(x).shape.rank < 2 ? 1 : spec(x).shape[1]
        let fanIn = cin / max(groups, 1) * kernel * kernel
        var inputs = [x, parameter("\(name).weight", [out, max(cin / max(groups, 1), 1), kernel, kernel], weightInit)]
        if bias { inputs.append(parameter("\(name).bias", [out], biasInit ?? .uniformFanIn(fanIn: fanIn))) }
        let params = ParamValue.object([("stride", .int(stride)), ("padding", .int(padding)), ("groups", .int(groups))])
        return apply("conv2d", name: name, params: params, inputs: inputs)[0]
    }

    /// nn.BatchNorm2d (or 1d for `[N, C]` inputs): weight 1, bias 0, running mean 0 and variance 1.
    public mutating func batchNorm(_ name: String, _ x: ValueID, eps: Double = 1e-5, momentum: Double = 0.1) -> ValueID {
        let c = isPoisoned(x) || spec(x).shape.rank < 2 ? 1 : spec(x).shape[1]
        let kernel = !isPoisoned(x) && spec(x).shape.rank == 2 ? "batchnorm1d" : "batchnorm2d"
        let w = parameter("\(name).weight", [c], .ones), b = parameter("\(name).bias", [c], .zeros)
        let params = ParamValue.object([("eps", .double(eps)), ("momentum", .double(momentum))])
        return apply(kernel, name: name, params: params, inputs: [x, w, b])[0]
    }

    /// nn.LayerNorm over the channels (`channels_last`: the last dim; `channels_first`: dim 1
    /// of NCHW, ConvNeXt's LayerNorm2d): weight 1, bias 0. Returns y.
    public mutating func layerNorm(
        _ name: String, _ x: ValueID, layout: LayerNorm.Layout = .channelsLast,
        eps: Double = 1e-5
    ) -> ValueID {
        let shape = isPoisoned(x) ? [1] : spec(x).shape
        let c = layout == .channelsLast ? (shape.rank >= 1 ? shape[-1] : 1) : (shape.rank >= 2 ? shape[1] : 1)
        let w = parameter("\(name).weight", [c], .ones), b = parameter("\(name).bias", [c], .zeros)
        let params = ParamValue.object([("layout", .string(layout.rawValue)), ("eps", .double(eps))])
        return apply("layernorm", name: name, params: params, inputs: [x, w, b])[0]
    }

    /// nn.Linear: weight `[out, in]` and bias, PyTorch's default uniform init unless given.
    public mutating func linear(
        _ name: String, _ x: ValueID, out: Int, bias: Bool = true,
        weightInit: Initializer? = nil, biasInit: Initializer? = nil
    ) -> ValueID {
        let fanIn = isPoisoned(x) ? 1 : spec(x).shape[-1]
        var inputs = [x, parameter("\(name).weight", [out, fanIn], weightInit ?? .uniformFanIn(fanIn: fanIn))]
        if bias { inputs.append(parameter("\(name).bias", [out], biasInit ?? .uniformFanIn(fanIn: fanIn))) }
        return apply("linear", name: name, inputs: inputs)[0]
    }

    /// A parameter-free kernel with one input and one output.
    public mutating func unary(_ kernel: String, _ name: String, _ x: ValueID, params: ParamValue = .empty) -> ValueID {
        apply(kernel, name: name, params: params, inputs: [x])[0]
    }

    /// Elementwise sum of two values of one shape.
    public mutating func add(_ name: String, _ a: ValueID, _ b: ValueID) -> ValueID {
        apply("add", name: name, inputs: [a, b])[0]
    }
}
