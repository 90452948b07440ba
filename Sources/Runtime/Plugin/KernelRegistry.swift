/// The kernel table: every kernel plugin by name, with a type-erased constructor.
public struct KernelRegistry: Sendable {
    public private(set) var registry = Registry<any Kernel.Type>(kind: "kernel")

    public init() {}

    /// A registry holding `kernels`; throws on a duplicate name.
    public init(_ kernels: [any Kernel.Type]) throws(RegistryError) {
        for k in kernels { try register(k) }
    }

    /// Adds a kernel type under its `name`.
    public mutating func register(_ kernel: any Kernel.Type) throws(RegistryError) {
        try registry.register(kernel.name, kernel, typeName: String(describing: kernel))
    }

    /// The kernel type named `name`.
    public func type(named name: String) throws(RegistryError) -> any Kernel.Type { try registry.lookup(name) }

    /// Decodes `params` strictly and builds the kernel for these input specs, for a plan
    /// on `threads` threads.
    public func make(_ name: String, params: ParamValue, inputs: [TensorSpec], threads: Int = 1) throws(KernelSetupError) -> any Kernel {
        let type: any Kernel.Type
        do { type = try registry.lookup(name) } catch { throw .registry(error) }
        return try Self.make(type, params: params, inputs: inputs, threads: threads)
    }

    /// Decodes `params` strictly for `type` and builds the kernel for a plan on `threads` threads.
    public static func make(
        _ type: any Kernel.Type, params: ParamValue, inputs: [TensorSpec],
        threads: Int = 1
    ) throws(KernelSetupError) -> any Kernel {
        func open<K: Kernel>(_ k: K.Type) throws(KernelSetupError) -> any Kernel {
            let p: K.Params
            do { p = try ParamDecoder.decode(K.Params.self, from: params) } catch { throw .params(error) }
            let minimum = K.inputNames.count - K.optionalInputs
            guard inputs.count >= minimum, inputs.count <= K.inputNames.count else {
                let expected = minimum == K.inputNames.count ? "\(minimum)" : "\(minimum) to \(K.inputNames.count)"
                throw .kernel(KernelError("\(K.name) takes \(expected) inputs (\(K.inputNames.joined(separator: ", "))), got \(inputs.count)"))
            }
            do { return try K(params: p, inputs: inputs, threads: max(1, threads)) } catch { throw .kernel(error) }
        }
        return try open(type)
    }
}

/// Why a kernel could not be built: unknown name, bad params, or bad input specs.
public enum KernelSetupError: Error, CustomStringConvertible {
    case registry(RegistryError)
    case params(ParamErrors)
    case kernel(KernelError)

    public var description: String {
        switch self {
        case let .registry(e): return e.description
        case let .params(e): return e.description
        case let .kernel(e): return e.description
        }
    }
}
