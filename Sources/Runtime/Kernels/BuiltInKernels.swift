/// Every kernel that ships with Canopy, in the order `canopy plugins` lists them.
public enum BuiltInKernels {
    public static let all: [any Kernel.Type] = [
        ReLU.self,
        Identity.self,
        Softmax.self,
        LogSoftmax.self,
        CrossEntropy.self,
        KDKL.self,
        Attention.self,
        AttentionPool.self,
        GELU.self,
        BatchNorm1d.self,
        BatchNorm2d.self,
        LayerNorm.self,
        Add.self,
        Mul.self,
        Scale.self,
        Concat.self,
        AxisSlice.self,
        Sum.self,
        Mean.self,
        Conv2D.self,
        MaxPool2D.self,
        MaxOverAxis.self,
        AvgPool2D.self,
        GlobalAvgPool.self,
        Linear.self,
        Permute.self,
        LayerScale.self,
        DropPath.self,
        WindowPartition.self,
        WindowReverse.self,
        DepthwiseConv2DNHWC.self,
        Reshape.self,
        WeightedSum.self,
        BatchStandardize.self,
        RowCorrelation.self,
        RowL2Normalize.self,
        ExcludeClass.self,
        MatMul.self,
        Sigmoid.self,
        Sort.self,
        UpsampleBilinear.self,
        Divide.self,
        AugmentLabels.self,
        SpatialMask.self,
        StepMemory.self,
    ]

    /// A registry of the built-in kernels.
    public static func registry() -> KernelRegistry {
        // Built-in names are unique by construction; a test asserts it.
        (try? KernelRegistry(all)) ?? KernelRegistry()
    }
}
