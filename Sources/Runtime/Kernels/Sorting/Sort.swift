/// Sorts each row of x [..., C] along the last dimension, as `torch.sort(x, dim=-1,
/// stable=True)`: output `y` holds the sorted values, `indices` (int32) the position in
/// the input row of each of them. Ascending unless `descending`; equal values keep the
/// lower input index first either way; -0 ties with +0; NaN sorts above +inf (last
/// ascending, first descending), as in PyTorch.
///
/// Backward scatters through the saved indices: dx[row, indices[j]] += dy[row, j]
/// (`indices` carries no gradient). Each row is sorted in workspace (see `RowSort`);
/// rows are split over threads for large tensors, each chunk with its own scratch.
public struct Sort: Kernel {
    public struct Params: PluginParams {
        @Param("largest first (equal values still keep the lower input index first)")
        public var descending = false

        public init() {}
        public init(descending: Bool) { self.descending = descending }
    }

    public static let name = "sort"
    public static let summary = "sorts each row of x [..., C] along the last dimension (stable) -> values y and int32 indices"
    public static var parameters: [ParameterDoc] { Params.parameterDocs }
    public static let inputNames = ["x"]
    public static let outputNames = ["y", "indices"]

    public let outputs: [TensorSpec]
    public var saved: SavedTensors { SavedTensors(inputs: [], outputs: [1]) }
    public var workspaceBytes: Int { plan.chunks * RowSort.scratchBytes(columns) }
    let descending: Bool
    let rows: Int
    let columns: Int
    let plan: ChunkPlan

    public init(params: Params, inputs: [TensorSpec], threads: Int) throws(KernelError) {
        let x = inputs[0]
        try KernelError.require(
            x.dtype == .float32 && x.shape.rank >= 1 && x.shape[-1] > 0,
            "sort needs float32 input x [..., C] with C > 0, got \(x)", input: 0)
        try KernelError.require(x.shape[-1] <= Int(Int32.max), "sort: the last dimension of x, \(x.shape[-1]), exceeds the int32 indices", input: 0)
        descending = params.descending
        columns = x.shape[-1]
        rows = x.shape.count / columns
        outputs = [x, TensorSpec(x.shape, .int32)]
        plan = ChunkPlan(work: x.shape.count, minimumWork: 1 << 14, threads: threads)
    }

    public func forward(_ call: KernelCall) {
        let x = call.inputs[0].f, y = call.outputs[0].f, indices = call.outputs[1].i
        let n = columns, descending = descending, scratch = call.workspace!.assumingMemoryBound(to: UInt64.self)
        plan.run(rows) { chunk, range in
            let keys = scratch + chunk * 2 * n
            for r in range {
                RowSort.sort(x + r * n, count: n, descending: descending, values: y + r * n, indices: indices + r * n, scratch: keys)
            }
        }
    }

    public func backward(_ call: KernelCall) {
        guard let gx = call.inputGrad(0)?.f, let gy = call.outputGrad(0)?.f else { return }
        let indices = call.outputs[1].i, n = columns
        plan.run(rows) { _, range in
            for r in range {
                let gxr = gx + r * n, gyr = gy + r * n, ir = indices + r * n
                for j in 0..<n { gxr[Int(ir[j])] += gyr[j] }
            }
        }
    }
}
