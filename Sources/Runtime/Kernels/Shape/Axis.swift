/// Axis arguments of shape and reduction kernels: negative values count from the end,
/// as in PyTorch.
enum Axis {
    /// `axis` as an index in 0..<rank; throws naming `kernel` when it is out of range.
    static func resolve(_ axis: Int, rank: Int, kernel: String, input: Int = 0) throws(KernelError) -> Int {
        let resolved = axis < 0 ? axis + rank : axis
        try KernelError.require(
            resolved >= 0 && resolved < rank,
            "\(kernel) axis \(axis) is out of range for rank \(rank)", input: input)
        return resolved
    }
}
