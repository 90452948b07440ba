/// The dimensions of a tensor, outermost first (NCHW for activations).
public struct Shape: Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The extent of each dimension.
    public var dims: [Int]

    public init(_ dims: [Int]) { self.dims = dims }
    public init(arrayLiteral elements: Int...) { self.dims = elements }

    /// Number of dimensions.
    public var rank: Int { dims.count }
    /// Number of elements (1 for a scalar of rank 0).
    public var count: Int { dims.reduce(1, *) }
    /// Extent of dimension `i`; negative indices count from the end.
    public subscript(i: Int) -> Int { dims[i < 0 ? dims.count + i : i] }
    /// Product of the dimensions from `start` on.
    public func count(from start: Int) -> Int { dims[start...].reduce(1, *) }
    /// Product of the dimensions before `end`.
    public func count(upTo end: Int) -> Int { dims[..<end].reduce(1, *) }

    public var description: String { "[" + dims.map(String.init).joined(separator: "x") + "]" }
}

/// The element type of a tensor. Canopy computes in float32; int32 carries class targets.
public enum DType: String, Sendable, Hashable, CaseIterable {
    case float32 = "F32"
    case int32 = "I32"

    /// Bytes per element.
    public var size: Int { 4 }
}

/// Shape and element type: what a compiler pass knows about a value before memory exists.
public struct TensorSpec: Hashable, Sendable, CustomStringConvertible {
    public var shape: Shape
    public var dtype: DType

    public init(_ shape: Shape, _ dtype: DType = .float32) {
        self.shape = shape
        self.dtype = dtype
    }

    /// Bytes the tensor occupies.
    public var byteCount: Int { shape.count * dtype.size }
    public var description: String { dtype == .float32 ? shape.description : "\(shape) \(dtype.rawValue)" }
}
