import CanopyRuntime
import CanopySpecs

/// A training checkpoint in one safetensors file, written atomically:
///
/// - every parameter and running statistic under its PyTorch state_dict name (plus
///   `<bn>.num_batches_tracked`, int64, as PyTorch's BatchNorm stores it), so
///   `model.load_state_dict({k: v for k, v in f.items() if not k.startswith("optimizer.")})`
///   loads it into the equivalent PyTorch module;
/// - the optimizer's per-parameter state as `optimizer.<buffer>.<parameter name>`;
/// - metadata: format, completed epochs, optimizer steps, seed and the spec's hash.
///
/// Randomness needs no state: data order, augmentation and drop-path masks are pure
/// functions of (seed, epoch, step), so the completed-epoch count fixes them.
public struct Checkpoint {
    public static let format = "canopy-checkpoint/1"

    /// Where training stands: the epoch in progress and the next step in it.
    public struct Position: Sendable, Equatable {
        public var epoch: Int
        public var step: Int
        public init(epoch: Int, step: Int) {
            self.epoch = epoch
            self.step = step
        }
    }

    /// Training progress stored with the weights.
    public struct Progress: Sendable, Equatable {
        public var position: Position
        public var optimizerSteps: Int
        public var seed: UInt64
        public var specHash: String
        /// Loss sums of the epoch in progress (over no steps at an epoch's start).
        public var lossSums: LossSums?
    }

    /// Writes `memory`'s tensors, the optimizer state and `progress` to `path` atomically.
    public static func write(
        _ path: String, memory: ModelMemory, optimizerStateNames: [String],
        optimizerState: OptimizerState, progress: Progress
    ) throws {
        var metadata = [
            "format": format, "epoch": String(progress.position.epoch), "step": String(progress.position.step),
            "optimizer_steps": String(progress.optimizerSteps), "seed": String(progress.seed), "spec_hash": progress.specHash,
        ]
        if let sums = progress.lossSums {
            metadata["loss_sums"] = JSON.serialize(
                .object([
                    ("terms", .array(sums.terms.map(ParamValue.string))), ("sums", .array(sums.sums.map(ParamValue.double))),
                    ("steps", .int(sums.steps)),
                ]))
        }
        var writer = SafetensorsWriter(metadata: metadata)
        try addModel(&writer, memory: memory, rename: { $0 }, batchesTracked: progress.optimizerSteps)
        let graph = memory.graph
        for (b, bufferName) in optimizerStateNames.enumerated() {
            for v in graph.parameters where graph.isTrainable(v) {
                let t = Tensor(base: UnsafeMutableRawPointer(optimizerState.buffers[b] + memory.offset(of: v)), spec: graph[v].spec)
                try writer.add("optimizer.\(bufferName).\(graph[v].name)", t)
            }
        }
        try writer.write(to: path)
    }

    /// Adds every parameter and state tensor (renamed by `rename`, dropped when it
    /// returns nil) and each BatchNorm's `num_batches_tracked`.
    public static func addModel(
        _ writer: inout SafetensorsWriter, memory: ModelMemory, rename: (String) -> String?,
        batchesTracked: Int, only keep: Set<String>? = nil
    ) throws {
        for (name, tensor) in memory.namedTensors where keep?.contains(name) ?? true {
            if let renamed = rename(name) { try writer.add(renamed, tensor) }
        }
        for node in memory.graph.nodes where node.kernelName.hasPrefix("batchnorm") {
            guard keep?.contains("\(node.name).running_mean") ?? true, let renamed = rename(node.name) else { continue }
            let bytes = withUnsafeBytes(of: Int64(batchesTracked).littleEndian) { Array($0) }
            try writer.add("\(renamed).num_batches_tracked", dtype: .int64, shape: [], bytes: bytes)
        }
    }

    /// Reads a checkpoint into `memory` and the optimizer state; every tensor the model
    /// and optimizer need must be present with its shape, and the metadata must agree
    /// with `expected` (see `progress(_:path:expected:)`). Returns the stored progress.
    public static func read(
        _ path: String, into memory: ModelMemory, optimizerStateNames: [String],
        optimizerState: inout OptimizerState, expected: Expected
    ) throws -> Progress {
        let file = try SafetensorsFile(contentsOf: path)
        guard file.metadata["format"] == format else {
            throw CheckpointError("\(path): not a Canopy checkpoint (format '\(file.metadata["format"] ?? "none")', expected '\(format)')")
        }
        let progress = try progress(file.metadata, path: path, expected: expected)
        for (name, tensor) in memory.namedTensors { try load(file, name, into: tensor, path: path) }
        let graph = memory.graph
        for (b, bufferName) in optimizerStateNames.enumerated() {
            for v in graph.parameters where graph.isTrainable(v) {
                let t = Tensor(base: UnsafeMutableRawPointer(optimizerState.buffers[b] + memory.offset(of: v)), spec: graph[v].spec)
                try load(file, "optimizer.\(bufferName).\(graph[v].name)", into: t, path: path)
            }
        }
        optimizerState.steps = progress.optimizerSteps
        return progress
    }

    /// Loads only the model tensors (parameters and running statistics) that `rename`
    /// maps to a name in the file (nil: not read from it), as a teacher's weights are read
    /// from a checkpoint or an export; each must be there with its shape, and the file may
    /// hold other tensors.
    public static func readModel(_ path: String, into memory: ModelMemory, rename: (String) -> String?) throws {
        let file = try SafetensorsFile(contentsOf: path)
        let problems = ModelFit(file, memory, rename: rename).problems(allowExtra: true)
        guard problems.isEmpty else { throw CheckpointError("\(path) does not fit the model:\n  " + problems.joined(separator: "\n  ")) }
        for (name, tensor) in memory.namedTensors {
            guard let fileName = rename(name) else { continue }
            try load(file, fileName, into: tensor, path: path)
        }
    }

    /// Loads a whole model, as `eval` and `export` do: every parameter and running
    /// statistic under its own name with its shape, and no other tensor than Canopy's
    /// additions (optimizer state, `num_batches_tracked`) unless `allowExtra`; a problem
    /// throws, listing all of them. Returns a warning when the file's `spec_hash` differs
    /// from `specHash` although the tensors fit (an edited spec, or another one of the
    /// same architecture), nil when it is equal or absent (a file not written by Canopy).
    public static func readModel(_ path: String, into memory: ModelMemory, specHash: String, allowExtra: Bool) throws -> String? {
        let file = try SafetensorsFile(contentsOf: path)
        let stored = file.metadata["spec_hash"]
        let problems = ModelFit(file, memory).problems(allowExtra: allowExtra)
        guard problems.isEmpty else {
            let hashes = stored.map { $0 == specHash ? "" : " (it was written by a spec with hash \($0), this spec's is \(specHash))" } ?? ""
            throw CheckpointError("\(path) does not fit this spec's model\(hashes):\n  " + problems.joined(separator: "\n  "))
        }
        for (name, tensor) in memory.namedTensors { try load(file, name, into: tensor, path: path) }
        guard let stored, stored != specHash else { return nil }
        return "\(path) was written by a spec with hash \(stored), this spec's is \(specHash) (another or an edited spec); "
            + "its tensors fit this model, so it is used"
    }

    private static func load(_ file: SafetensorsFile, _ name: String, into tensor: Tensor, path: String) throws {
        guard let stored = file[name] else { throw CheckpointError("\(path): tensor '\(name)' is missing") }
        guard stored.shape == tensor.shape.dims else {
            throw CheckpointError("\(path): tensor '\(name)' has shape \(stored.shape), the model needs \(tensor.shape.dims)")
        }
        try stored.copy(into: tensor)
    }
}

/// A checkpoint that cannot be used, with the file and the reason.
public struct CheckpointError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
