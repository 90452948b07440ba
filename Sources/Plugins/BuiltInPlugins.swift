import CanopyRuntime
import CanopySpecs

/// Every plugin that ships with Canopy.
public enum BuiltInPlugins {
    /// Backbones, losses, metrics, modules, methods and datasets defined in this module.
    public static let specPlugins: [Any.Type] = [
        ResNetCIFARBackbone.self,
        ResNetBackbone.self,
        ConvNeXtBackbone.self,
        CSWinBackbone.self,
        CrossEntropyLoss.self,
        KDKLLoss.self,
        TopKMetric.self,
        ONEGate.self,
        OKDDipAttention.self,
        BaselineMethod.self,
        KDMethod.self,
        DMLMethod.self,
        ONEMethod.self,
        OKDDipMethod.self,
        DecorrelationLoss.self,
        ClassifierDiversityLoss.self,
        MDEFeatureFusion.self,
        MDEMethod.self,
        AHBFFusion.self,
        AHBFMethod.self,
        LightSKDAdapter.self,
        SortModule.self,
        StepMemoryModule.self,
        LightSKDMethod.self,
        T2BPermeation.self,
        T2BBranch.self,
        T2BTokenBranch.self,
        T2BMethod.self,
        CSSNetworkLoss.self,
        AugmentedAggregate.self,
        LogitAverage.self,
        CSSMethod.self,
        FashionMNISTDataset.self,
        CIFAR10Dataset.self,
        CIFAR100Dataset.self,
        SyntheticDatasetPlugin.self,
        ImageFolderDataset.self,
    ]

    /// Kernels, optimizers and schedules from the runtime, plus `specPlugins`.
    public static var all: [Any.Type] {
        BuiltInKernels.all.map { $0 as Any.Type } + BuiltInOptimizers.all.map { $0 as Any.Type }
            + BuiltInSchedules.all.map { $0 as Any.Type } + specPlugins
    }

    /// A plugin set of the built-in plugins plus `extra` (a user's own); throws on a duplicate name.
    public static func set(adding extra: [Any.Type] = []) throws(RegistryError) -> PluginSet {
        var set = PluginSet(kernels: KernelRegistry())
        for p in all + extra { try set.register(p) }
        return set
    }
}
