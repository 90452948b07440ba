import CanopyRuntime
import Foundation
import Testing

/// Malformed safetensors input: each defect gives its own error, and nothing traps.
@Suite struct SafetensorsCorruptionTests {
    typealias Reason = SafetensorsError.Reason

    /// A valid file: metadata, an F32 [2, 2] tensor "a" and an I32 [3] tensor "b".
    static func valid() -> [UInt8] {
        var writer = SafetensorsWriter(metadata: ["op": "test"])
        try! writer.add("a", floats: [1, 2, 3, 4], shape: [2, 2])
        try! writer.add("b", int32s: [5, 6, 7], shape: [3])
        return writer.encoded()
    }

    /// The reason reading `bytes` fails, or nil if it succeeds.
    static func failure(_ bytes: [UInt8]) -> Reason? {
        do {
            _ = try SafetensorsFile(bytes: bytes, path: "/x/y.safetensors")
            return nil
        } catch {
            #expect(error.description.hasPrefix("/x/y.safetensors: "))
            return error.reason
        }
    }

    /// Reading a file with this header text and `data` fails with the reason matched by `check`.
    static func expectFailure(
        _ header: String, data: [UInt8] = [], _ check: (Reason) -> Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let reason = failure(SafetensorsBytes.file(header: header, data: data))
        #expect(reason.map(check) == true, "\(header): \(String(describing: reason))", sourceLocation: sourceLocation)
    }

    @Test func missingFileNamesThePath() {
        let path = "/nonexistent-canopy/model.safetensors"
        #expect(throws: SafetensorsError(path: path, .fileNotFound)) { try SafetensorsFile(contentsOf: path) }
        do {
            _ = try SafetensorsFile(contentsOf: path)
        } catch {
            #expect(error.description == "\(path): no such file")
        }
        // A directory is not a file.
        #expect {
            try SafetensorsFile(contentsOf: "/tmp")
        } throws: { error in
            guard let e = error as? SafetensorsError, case .readFailed = e.reason else { return false }
            return true
        }
    }

    @Test func truncatedAtEveryOffset() {
        let bytes = Self.valid()
        #expect(Self.failure(bytes) == nil)
        let n = Int(bytes[0]) | Int(bytes[1]) << 8
        for cut in 0..<bytes.count {
            let reason = Self.failure(Array(bytes[..<cut]))
            switch reason {
            case .fileTooShort(let size)?: #expect(cut < 8 && size == cut)
            case .headerBeyondFile(let length, let size)?: #expect(cut >= 8 && cut < 8 + n && length == UInt64(n) && size == cut)
            case .invalidOffsets?: #expect(cut >= 8 + n)
            default: Issue.record("cut at \(cut): \(String(describing: reason))")
            }
        }
    }

    @Test func absurdHeaderLengths() {
        var bytes = Self.valid()
        for length in [UInt64(100_000_001), 1 << 40, UInt64.max] {
            bytes.replaceSubrange(0..<8, with: SafetensorsBytes.le([length]))
            #expect(Self.failure(bytes) == .headerTooLarge(length: length))
        }
        // Within the limit but past the end of the file.
        bytes.replaceSubrange(0..<8, with: SafetensorsBytes.le([UInt64(bytes.count - 7)]))
        #expect(Self.failure(bytes) == .headerBeyondFile(length: UInt64(bytes.count - 7), fileSize: bytes.count))
        // Too short: the header is cut inside the JSON.
        bytes.replaceSubrange(0..<8, with: SafetensorsBytes.le([UInt64(10)]))
        guard case .invalidHeaderJSON? = Self.failure(bytes) else {
            Issue.record("short header parsed")
            return
        }
    }

    @Test func garbageHeaders() {
        for header in ["", "not json", "{\"a\":", "{'a': 1}", String(repeating: "[", count: 10_000)] {
            Self.expectFailure(header) { if case .invalidHeaderJSON = $0 { true } else { false } }
        }
        #expect(Self.failure(SafetensorsBytes.file(header: "", data: []) + [0xFF, 0xFE]) != nil)
        let invalidUTF8 = SafetensorsBytes.le([UInt64(4)]) + [0x7B, 0x22, 0xC3, 0x22]
        guard case .invalidHeaderJSON? = Self.failure(invalidUTF8) else {
            Issue.record("invalid UTF-8 accepted")
            return
        }
        for header in ["[1, 2]", "\"x\"", "null", "42"] {
            Self.expectFailure(header) { $0 == .headerNotObject }
        }
    }

    @Test func entriesMissingFields() {
        let cases: [(String, String)] = [
            (#"{"x":5}"#, "expected an object"),
            (#"{"x":{"shape":[1],"data_offsets":[0,4]}}"#, "missing 'dtype'"),
            (#"{"x":{"dtype":"F32","data_offsets":[0,4]}}"#, "missing 'shape'"),
            (#"{"x":{"dtype":"F32","shape":[1]}}"#, "missing 'data_offsets'"),
            (#"{"x":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#, "'dtype' is"),
            (#"{"x":{"dtype":"F32","shape":1,"data_offsets":[0,4]}}"#, "'shape' is"),
            (#"{"x":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, "non-negative integers"),
            (#"{"x":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, "non-negative integers"),
            (#"{"x":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}}"#, "too many elements"),
            (#"{"x":{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,4]}}"#, "too many bytes"),
            (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, "two non-negative integers"),
            (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, "two non-negative integers"),
            (#"{"x":{"dtype":"F32","shape":[1],"data_offsets":"0,4"}}"#, "two non-negative integers"),
        ]
        for (header, message) in cases {
            Self.expectFailure(header, data: [0, 0, 0, 0]) {
                if case let .invalidEntry("x", m) = $0 { m.contains(message) } else { false }
            }
        }
    }

    @Test func unknownDtypes() {
        for dtype in ["F128", "f32", "FLOAT", "F4", ""] {
            Self.expectFailure("{" + SafetensorsBytes.entry("x", dtype, [1], 0, 4) + "}", data: [0, 0, 0, 0]) {
                $0 == .unknownDType(tensor: "x", dtype: dtype)
            }
        }
    }

    @Test func badOffsets() {
        let data = [UInt8](repeating: 0, count: 16)
        let cases: [(String, String)] = [
            (SafetensorsBytes.entry("x", "F32", [2], 8, 0), "end before they begin"),
            (SafetensorsBytes.entry("x", "F32", [5], 0, 20), "run past the 16-byte data buffer"),
            (SafetensorsBytes.entry("x", "F32", [2], 0, 16), "hold 16 bytes, but F32 [2] needs 8"),
            (SafetensorsBytes.entry("x", "F64", [1], 0, 4), "hold 4 bytes, but F64 [1] needs 8"),
            (SafetensorsBytes.entry("x", "F32", [1], 0, 9_223_372_036_854_775_807), "run past"),
        ]
        for (entry, message) in cases {
            Self.expectFailure("{" + entry + "}", data: data) {
                if case let .invalidOffsets("x", m) = $0 { m.contains(message) } else { false }
            }
        }
    }

    @Test func holesAndOverlaps() {
        let data = [UInt8](repeating: 0, count: 16)
        func header(_ entries: String...) -> String { "{" + entries.joined(separator: ",") + "}" }
        // Two tensors on the same bytes, then a partial overlap.
        Self.expectFailure(
            header(
                SafetensorsBytes.entry("a", "F32", [2], 0, 8), SafetensorsBytes.entry("b", "F32", [2], 0, 8),
                SafetensorsBytes.entry("c", "F32", [2], 8, 16)), data: data
        ) {
            $0 == .overlappingData("a", "b")
        }
        Self.expectFailure(
            header(SafetensorsBytes.entry("a", "F32", [3], 0, 12), SafetensorsBytes.entry("b", "F32", [2], 8, 16)),
            data: data
        ) { $0 == .overlappingData("a", "b") }
        // A zero-size tensor inside another tensor's bytes overlaps it.
        Self.expectFailure(
            header(SafetensorsBytes.entry("a", "F32", [4], 0, 16), SafetensorsBytes.entry("z", "F32", [0], 4, 4)),
            data: data
        ) { $0 == .overlappingData("a", "z") }
        // Gaps at the start, in the middle and at the end.
        Self.expectFailure(header(SafetensorsBytes.entry("a", "F32", [3], 4, 16)), data: data) { $0 == .dataHole(offset: 0, length: 4) }
        Self.expectFailure(
            header(SafetensorsBytes.entry("a", "F32", [1], 0, 4), SafetensorsBytes.entry("b", "F32", [2], 8, 16)),
            data: data
        ) { $0 == .dataHole(offset: 4, length: 4) }
        Self.expectFailure(header(SafetensorsBytes.entry("a", "F32", [2], 0, 8)), data: data) { $0 == .dataHole(offset: 8, length: 8) }
        Self.expectFailure("{}", data: data) { $0 == .dataHole(offset: 0, length: 16) }
        // Out of header order but contiguous is fine, and so are zero-size tensors at the boundaries.
        let ok = SafetensorsBytes.file(
            header: header(
                SafetensorsBytes.entry("b", "F32", [2], 8, 16), SafetensorsBytes.entry("z", "I8", [0, 5], 8, 8),
                SafetensorsBytes.entry("a", "F32", [2], 0, 8), SafetensorsBytes.entry("e", "U8", [0], 16, 16)), data: data)
        #expect(Self.failure(ok) == nil)
        #expect(Self.failure(SafetensorsBytes.file(header: "{}", data: [])) == nil)
    }

    @Test func duplicateNamesAndBadMetadata() {
        Self.expectFailure(
            "{" + SafetensorsBytes.entry("a", "F32", [1], 0, 4) + "," + SafetensorsBytes.entry("a", "F32", [1], 4, 8) + "}",
            data: [UInt8](repeating: 0, count: 8)
        ) { $0 == .duplicateName("a") }
        Self.expectFailure(#"{"__metadata__":{},"__metadata__":{}}"#) { $0 == .duplicateName("__metadata__") }
        Self.expectFailure(#"{"__metadata__":[]}"#) { if case .invalidMetadata = $0 { true } else { false } }
        Self.expectFailure(#"{"__metadata__":{"epoch":3}}"#) {
            if case let .invalidMetadata(m) = $0 { m.contains("'epoch'") } else { false }
        }
        Self.expectFailure(#"{"__metadata__":{"k":"1","k":"2"}}"#) { if case .invalidMetadata = $0 { true } else { false } }
    }

    @Test func randomCorruptionNeverTraps() {
        let valid = Self.valid()
        var rng = SeededRandom(seed: 11)
        var failures = 0
        for _ in 0..<2000 {
            var bytes = valid
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            }
            if let file = try? SafetensorsFile(bytes: bytes) {
                for t in file.tensors {
                    _ = t.floats()
                    _ = try? t.int32s()
                }
            } else {
                failures += 1
            }
        }
        #expect(failures > 100)
        for _ in 0..<500 {
            let n = Int(rng.next() % 64)
            let bytes = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            _ = Self.failure(bytes)
        }
    }
}
