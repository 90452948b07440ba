/// Every kernel that ships with Canopy, in the order `canopy plugins` lists them.
public enum BuiltInKernels {
    public static let all: [any Kernel.Type] = [
        ReLU.self,
        Conv2D.self,
        MaxPool2D.self,
        AvgPool2D.self,
        GlobalAvgPool.self,
        Linear.self,
    ]

    /// A registry of the built-in kernels.
    public static func registry() -> KernelRegistry {
        // Built-in names are unique by construction; a test asserts it.
        (try? KernelRegistry(all)) ?? KernelRegistry()
    }
}
