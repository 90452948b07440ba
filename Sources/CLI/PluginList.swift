import CanopyPlugins
import CanopyRuntime
import CanopySpecs

/// The plugin types a `canopy` executable registers, in registration order: the
/// built-ins, plus a researcher's own, without forking Canopy:
///
/// ```swift
/// Canopy.main(plugins: .builtIn + [SymmetricKLLoss.self])
/// ```
///
/// Any plugin kind goes in the list (kernels, backbones, losses, metrics, modules,
/// methods, optimizers, schedules, datasets); `set()` sorts each into its registry.
public struct PluginList: ExpressibleByArrayLiteral, Sendable {
    /// The plugin types, in registration order.
    public var types: [Any.Type]

    public init(_ types: [Any.Type]) { self.types = types }

    public init(arrayLiteral types: Any.Type...) { self.types = types }

    /// Every plugin that ships with Canopy (`BuiltInPlugins.all`).
    public static var builtIn: PluginList { PluginList(BuiltInPlugins.all) }

    /// The plugins of `lhs` followed by those of `rhs`.
    public static func + (lhs: PluginList, rhs: PluginList) -> PluginList { PluginList(lhs.types + rhs.types) }

    /// A plugin set of these plugins; throws on a duplicate name (naming both types) or
    /// on a type that is no plugin.
    public func set() throws(RegistryError) -> PluginSet {
        var set = PluginSet(kernels: KernelRegistry())
        for p in types { try set.register(p) }
        return set
    }
}
