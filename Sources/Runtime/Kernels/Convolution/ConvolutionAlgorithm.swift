/// One way of computing a 2-D convolution for a fixed `ConvGeometry`.
///
/// `Conv2D` picks an algorithm when it is built; every algorithm gives the results of
/// the im2col reference up to float rounding and is tested against it, so a faster one
/// (direct depthwise, NHWC, Winograd) replaces another without changing the kernel's
/// name, params, inputs or outputs. The bias gradient is the kernel's own.
protocol ConvolutionAlgorithm: Sendable {
    /// Scratch bytes needed by forward and by backward (the larger of the two).
    var workspaceBytes: Int { get }

    /// `y = conv(x, weight) + bias`, with no bias when `bias` is nil.
    func forward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
        y: UnsafeMutablePointer<Float>, workspace: UnsafeMutablePointer<Float>?)

    /// Adds the gradients of x and of the weight, each where its buffer is non-nil.
    func backward(
        x: UnsafePointer<Float>, weight: UnsafePointer<Float>, dy: UnsafePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
        workspace: UnsafeMutablePointer<Float>?)
}

extension ConvolutionAlgorithm {
    /// Adds per-chunk weight-gradient partials `1..<chunks` (chunk 0 wrote into `dweight`
    /// directly) onto `dweight`, in chunk order, so results depend only on the chunking.
    static func addPartials(_ partials: UnsafeMutablePointer<Float>, chunks: Int, count: Int, into dweight: UnsafeMutablePointer<Float>) {
        for c in 1..<max(chunks, 1) {
            let p = partials + (c - 1) * count
            for i in 0..<count { dweight[i] += p[i] }
        }
    }
}
