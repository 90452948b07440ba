/// FNV-1a 64, the one string hash Canopy uses where a stable name-derived number is
/// needed (random streams, drop-path salts, the spec hash): the same on every machine
/// and run, unlike Swift's seeded `Hasher`.
public enum FNV1a {
    /// The FNV-1a 64 hash of the UTF-8 bytes of `text`.
    public static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01B3 }
        return h
    }
}
