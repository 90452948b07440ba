import Foundation

/// Gaussian error linear unit in its exact form, y = x * Phi(x) with
/// Phi(x) = (1 + erf(x / sqrt 2)) / 2, elementwise over any shape (PyTorch's
/// `gelu(approximate="none")`; the golden op `gelu_erf`). Backward:
/// dx = dy * (Phi(x) + x * phi(x)), phi the standard normal density. Large tensors are
/// split over `Parallel.chunks`.
public struct GELU: Kernel {
    /// No params.
    public struct Params: Decodable, Sendable {}
    public static let name = "gelu"
    public static let summary = "y = x * Phi(x) (exact erf form), elementwise"
    public static let parameters: [ParameterDoc] = []
    public static let inputNames = ["x"]

    /// Below this many elements the work stays on one thread.
    static let parallelThreshold = 1 << 14
    /// 1/sqrt(2) and the normal density at 0, 1/sqrt(2 pi).
    static let invSqrt2 = Float(0.5.squareRoot())
    static let density = Float(1 / (2 * Double.pi).squareRoot())

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [0], outputs: []) }

    public init(params: Params, inputs: [TensorSpec]) throws(KernelError) {
        try KernelError.require(inputs[0].dtype == .float32, "gelu needs float32 input", input: 0)
        outputs = [inputs[0]]
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f, k = Self.invSqrt2
        Self.split(call.inputs[0].count) { range in
            for i in range { y[i] = x[i] * (0.5 + 0.5 * erf(x[i] * k)) }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let x = call.inputs[0].f, k = Self.invSqrt2, density = Self.density
        Self.split(call.inputs[0].count) { range in
            for i in range {
                let v = x[i]
                let cdf = 0.5 + 0.5 * erf(v * k)
                gx[i] += gy[i] * (cdf + v * density * exp(-0.5 * v * v))
            }
        }
    }

    /// Runs `body` over 0..<count, in chunks when the tensor is large.
    private static func split(_ count: Int, _ body: (Range<Int>) -> Void) {
        if count < parallelThreshold {
            body(0..<count)
        } else {
            Parallel.chunks(count, threads: Parallel.threads) { _, range in body(range) }
        }
    }
}
