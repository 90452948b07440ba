import CanopySpecs

extension CompiledExperiment {
    /// The hash of the resolved spec (FNV-1a 64 of its emitted YAML, as hex) that
    /// checkpoints, exported models and final.json carry; `run --resume`, `eval` and
    /// `export` compare it with the file's.
    public var specHash: String { Self.fnv1a(YAMLEmitter.emit(spec.root)) }

    /// FNV-1a 64 of `text`, as hex.
    static func fnv1a(_ text: String) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return String(h, radix: 16)
    }
}
