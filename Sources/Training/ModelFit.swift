import CanopyRuntime

/// How the tensors of a safetensors file fit a model's parameters and running
/// statistics: the ones missing from the file, the ones stored with another shape, and
/// the file's tensors the model does not have. Canopy's own additions to a model in a
/// checkpoint (`optimizer.<buffer>.<parameter>` and `<batchnorm>.num_batches_tracked`
/// of the model's tensors) are not unexpected.
public struct ModelFit {
    /// A tensor stored with a shape other than the model's.
    public struct Reshaped {
        public var name: String
        public var stored: [Int]
        public var needed: [Int]
    }

    public var missing: [String] = []
    public var reshaped: [Reshaped] = []
    public var unexpected: [String] = []

    /// Compares `file` with `memory`'s tensors; `rename` maps a model name to the file's,
    /// nil for a tensor not read from this file. `unexpected` lists the file's tensors
    /// that are not read (besides Canopy's additions for the tensors read), parameters
    /// and statistics before optimizer state and `num_batches_tracked`.
    public init(_ file: SafetensorsFile, _ memory: ModelMemory, rename: (String) -> String? = { $0 }) {
        var read = Set<String>()
        for (name, tensor) in memory.namedTensors {
            guard let fileName = rename(name) else { continue }
            read.insert(fileName)
            if let stored = file[fileName] {
                if stored.shape != tensor.shape.dims { reshaped.append(Reshaped(name: fileName, stored: stored.shape, needed: tensor.shape.dims)) }
            } else {
                missing.append(fileName)
            }
        }
        // Parameters and statistics first, then their optimizer state and step counts.
        let extra = file.names.filter { !read.contains($0) && !Self.isCanopyAddition($0, of: read) }
        let isAddition = { (name: String) in name.hasPrefix("optimizer.") || name.hasSuffix(".num_batches_tracked") }
        unexpected = extra.filter { !isAddition($0) } + extra.filter(isAddition)
    }

    /// Whether `name` is optimizer state or a BatchNorm step count of one of `model`'s tensors.
    static func isCanopyAddition(_ name: String, of model: Set<String>) -> Bool {
        if name.hasPrefix("optimizer."), let dot = name.dropFirst("optimizer.".count).firstIndex(of: ".") {
            return model.contains(String(name[name.index(after: dot)...]))
        }
        let tracked = ".num_batches_tracked"
        return name.hasSuffix(tracked) && model.contains(String(name.dropLast(tracked.count)) + ".running_mean")
    }

    /// One line per kind of problem (missing, reshaped, and unexpected unless `allowExtra`),
    /// each naming the count and the first few tensors; empty when the file fits.
    public func problems(allowExtra: Bool) -> [String] {
        var lines: [String] = []
        if !missing.isEmpty { lines.append("\(Self.count(missing.count, "tensor")) missing: \(Self.few(missing))") }
        if !reshaped.isEmpty {
            let shown = reshaped.map { "\($0.name) is \($0.stored) in the file, the model needs \($0.needed)" }
            lines.append("\(Self.count(reshaped.count, "tensor")) with another shape: \(Self.few(shown, separator: "; "))")
        }
        if !unexpected.isEmpty && !allowExtra {
            lines.append(
                "\(Self.count(unexpected.count, "tensor")) the model does not have: \(Self.few(unexpected)) "
                    + "(--allow-extra ignores them)")
        }
        return lines
    }

    private static func count(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    private static func few(_ items: [String], separator: String = ", ") -> String {
        let shown = 5
        let head = items.prefix(shown).joined(separator: separator)
        return items.count > shown ? head + " and \(items.count - shown) more" : head
    }
}
