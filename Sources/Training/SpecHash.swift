import CanopyRuntime
import CanopySpecs

extension CompiledExperiment {
    /// The hash of the resolved spec (FNV-1a 64 of its emitted YAML, as hex) that
    /// checkpoints, exported models and final.json carry; `run --resume`, `eval` and
    /// `export` compare it with the file's.
    public var specHash: String { String(FNV1a.hash(YAMLEmitter.emit(spec.root)), radix: 16) }
}
