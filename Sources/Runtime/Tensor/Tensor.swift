/// A view of planned memory: a base address with a shape and dtype. It owns nothing;
/// the arena or a `TensorStorage` keeps the memory alive. Kernels receive tensors
/// through a `KernelCall` and never allocate.
public struct Tensor: @unchecked Sendable {
    public let base: UnsafeMutableRawPointer
    public let spec: TensorSpec

    public init(base: UnsafeMutableRawPointer, spec: TensorSpec) {
        self.base = base
        self.spec = spec
    }

    public var shape: Shape { spec.shape }
    public var dtype: DType { spec.dtype }
    public var count: Int { spec.shape.count }

    /// The elements as float32 (the tensor must be float32).
    @inlinable public var f: UnsafeMutablePointer<Float> { base.assumingMemoryBound(to: Float.self) }
    /// The elements as int32 (the tensor must be int32).
    @inlinable public var i: UnsafeMutablePointer<Int32> { base.assumingMemoryBound(to: Int32.self) }
    /// The float32 elements as a buffer.
    public var floats: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: f, count: count) }
    /// The int32 elements as a buffer.
    public var ints: UnsafeMutableBufferPointer<Int32> { UnsafeMutableBufferPointer(start: i, count: count) }

    /// Sets every element to zero.
    public func zero() { base.initializeMemory(as: UInt8.self, repeating: 0, count: spec.byteCount) }
    /// The same memory seen with another shape of equal element count.
    public func reshaped(_ shape: Shape) -> Tensor {
        precondition(shape.count == count, "reshape \(self.shape) -> \(shape) changes the element count")
        return Tensor(base: base, spec: TensorSpec(shape, dtype))
    }
    /// Copies the elements into a Swift array (for tests and reporting, not hot loops).
    public func toArray() -> [Float] { Array(floats) }
}

/// Heap memory for one tensor, aligned to 64 bytes and zero-initialised; used by tests,
/// tools and I/O. Plans use the arena instead.
public final class TensorStorage: @unchecked Sendable {
    public let tensor: Tensor

    public init(_ spec: TensorSpec) {
        let bytes = max(spec.byteCount, 4)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        tensor = Tensor(base: raw, spec: spec)
    }

    public convenience init(_ shape: Shape, floats: [Float]) {
        precondition(shape.count == floats.count, "\(floats.count) values for shape \(shape)")
        self.init(TensorSpec(shape))
        _ = tensor.floats.initialize(from: floats)
    }

    public convenience init(_ shape: Shape, ints: [Int32]) {
        precondition(shape.count == ints.count, "\(ints.count) values for shape \(shape)")
        self.init(TensorSpec(shape, .int32))
        _ = tensor.ints.initialize(from: ints)
    }

    deinit { tensor.base.deallocate() }
}
