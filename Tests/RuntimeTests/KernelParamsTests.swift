import CanopyRuntime
import Testing

/// Kernel params are declared once with `@Param`: every built-in kernel's params type is
/// `PluginParams` with its `parameters` read from the declarations, and typed params
/// (which expressions encode into graph nodes) decode back to themselves.
@Suite struct KernelParamsTests {
    /// The params type of `kernel`, if it declares its params with `@Param`.
    func declared<K: Kernel>(_ kernel: K.Type) -> (any PluginParams.Type)? { K.Params.self as? any PluginParams.Type }

    /// `params` encoded, and that encoding decoded and encoded again.
    func roundTrip<P: PluginParams>(_ params: P) throws -> (ParamValue, ParamValue) {
        let value = ParamEncoder.encode(params)
        return (value, ParamEncoder.encode(try ParamDecoder.decode(P.self, from: value)))
    }

    /// The defaults of `type` encoded, decoded and encoded again, and what that must give:
    /// the defaults with the derived ones filled in.
    func defaultsRoundTrip<P: PluginParams>(_ type: P.Type) throws -> (ParamValue, ParamValue) {
        var filled = P()
        filled.fillDerivedDefaults()
        return (try roundTrip(P()).1, ParamEncoder.encode(filled))
    }

    @Test func everyBuiltInKernelDeclaresItsParams() throws {
        for kernel in BuiltInKernels.all {
            guard let params = declared(kernel) else {
                Issue.record("\(kernel.name): params are not PluginParams")
                continue
            }
            #expect(kernel.parameters == params.parameterDocs, "\(kernel.name) has a parameters table of its own")
            let (back, expected) = try defaultsRoundTrip(params)
            #expect(back == expected, "\(kernel.name)")
        }
    }

    @Test func typedParamsDecodeBackToThemselves() throws {
        let examples: [any PluginParams] = [
            MatMul.Params(transposeA: true, transposeB: true, alpha: -0.5),
            ReductionParams(axes: [0, -1], keepdims: true),
            SoftmaxParams(temperature: 2.5),
            BatchNormParams(eps: 1e-3, momentum: 0.2),
            LayerNorm.Params(layout: .channelsFirst, eps: 1e-6),
            Conv2D.Params(stride: SpatialPair(2, 1), padding: SpatialPair(1), dilation: SpatialPair(1, 2), groups: 4),
            DepthwiseConv2DNHWC.Params(window: SpatialPair(7, 1), start: 8),
            Pool2DParams(kernel: SpatialPair(2, 3), padding: SpatialPair(1)),
            WindowPartition.Params(window: SpatialPair(4, 2), start: 3, channels: 6, heads: 2, layout: .channelsFirst),
            WindowReverse.Params(window: SpatialPair(2), size: SpatialPair(8, 4), layout: .channelsFirst),
            Attention.Params(scale: 0.25),
            Attention.Params(),
            KDKL.Params(temperature: 4, teacherEps: 1e-7, tSquared: false, reduction: .sum),
            CrossEntropy.Params(labelSmoothing: 0.1, reduction: .sum),
            AxisSlice.Params(axis: -1, start: 2, length: 3),
            Concat.Params(axis: 0),
            LayerScale.Params(axis: -1),
            DropPath.Params(rate: 0.1, salt: 7),
            RowCorrelation.Params(eps: 0),
            BatchStandardize.Params(eps: 1e-3),
            Scale.Params(alpha: -2),
            MaxOverAxis.Params(axis: 1),
            Reshape.Params(shape: [2, -1]),
            Permute.Params(axes: [0, 2, 3, 1]),
        ]
        for params in examples {
            let (value, back) = try roundTrip(params)
            #expect(back == value, "\(type(of: params))")
        }
    }

    @Test func valueTypesEncodeAsASpecWritesThem() {
        #expect(
            ParamEncoder.encode(Conv2D.Params(stride: SpatialPair(2, 1)))
                == .object([
                    ("stride", .array([.int(2), .int(1)])), ("padding", .int(0)), ("dilation", .int(1)), ("groups", .int(1)),
                ]))
        #expect(ParamEncoder.encode(Attention.Params()) == .object([("scale", .string("1/sqrt(d)"))]))
        #expect(ParamEncoder.encode(Attention.Params(scale: 0.5)) == .object([("scale", .double(0.5))]))
        #expect(ParamEncoder.encode(ReductionParams()) == .object([("axes", .null), ("keepdims", .bool(false))]))
    }

    @Test func poolingStrideDefaultsToTheKernel() throws {
        let p = try ParamDecoder.decode(Pool2DParams.self, from: .object([("kernel", .int(3)), ("padding", .int(1))]))
        #expect(p.stride == SpatialPair(3))
        let given = try ParamDecoder.decode(Pool2DParams.self, from: .object([("kernel", .int(3)), ("stride", .int(1))]))
        #expect(given.stride == SpatialPair(1))
    }
}
