import CanopyRuntime
import Testing

/// Strict gzip decompression: round trips, and every damaged stream is an error.
@Suite struct GzipTests {
    static let path = "/data/x.gz"

    /// The reason decompressing `bytes` fails, or nil when it succeeds.
    static func failure(_ bytes: [UInt8]) -> String? {
        do {
            _ = try Gzip.decompress(bytes, path: path)
            return nil
        } catch {
            #expect(error.path == path)
            #expect(error.description.hasPrefix(path + ": corrupt gzip data: "))
            guard case let .gzip(message) = error.reason else {
                Issue.record("expected a gzip error, got \(error)")
                return nil
            }
            return message
        }
    }

    @Test func roundTrips() throws {
        let text = Array("hello, gzip".utf8)
        for data in [[], text, DatasetFiles.bytes(300_000, seed: 7), [UInt8](repeating: 42, count: 1 << 20)] {
            let compressed = DatasetFiles.gzip(data)
            #expect(Gzip.isCompressed(compressed))
            #expect(try Gzip.decompress(compressed, path: Self.path) == data)
        }
        #expect(!Gzip.isCompressed(text))
        #expect(!Gzip.isCompressed([0x1F]))
    }

    @Test func concatenatedMembersAreOneStream() throws {
        let a = Array("first member, ".utf8), b = Array("second member".utf8)
        #expect(try Gzip.decompress(DatasetFiles.gzip(a) + DatasetFiles.gzip(b), path: Self.path) == a + b)
    }

    @Test func truncationAtEveryOffsetIsAnError() {
        let stream = DatasetFiles.gzip(DatasetFiles.bytes(2000, seed: 3))
        for cut in 0..<stream.count {
            #expect(Self.failure(Array(stream[..<cut])) != nil, "cut at \(cut) of \(stream.count)")
        }
        #expect(Self.failure(Array(stream[..<(stream.count - 1)]))?.contains("truncated") == true)
    }

    @Test func damagedChecksumsAndDataAreErrors() {
        let stream = DatasetFiles.gzip(Array("the quick brown fox jumps over the lazy dog".utf8))
        let n = stream.count
        var crc = stream
        crc[n - 6] ^= 0x01  // CRC-32 field
        #expect(Self.failure(crc) == "incorrect data check")
        var length = stream
        length[n - 2] ^= 0x01  // ISIZE field
        #expect(Self.failure(length) == "incorrect length check")
        var header = stream
        header[2] = 7  // compression method other than deflate
        #expect(Self.failure(header) != nil)
    }

    @Test func decompressionStopsAtTheLimit() throws {
        let data = [UInt8](repeating: 7, count: 1 << 20)
        let stream = DatasetFiles.gzip(data)
        #expect(try Gzip.decompress(stream, path: Self.path, limit: { _ in data.count }) == data)
        var asked: [Int] = []
        do {
            _ = try Gzip.decompress(
                stream, path: Self.path,
                limit: { prefix in
                    asked.append(prefix.count)
                    return prefix.count >= 16 ? 1000 : nil
                })
            Issue.record("a stream past its limit decompressed")
        } catch {
            #expect(error.reason == .gzip("decompresses to more than the 1000 bytes expected"))
        }
        // The limit is asked once, after the first few kilobytes are in.
        #expect(asked == [4096])
    }

    @Test func trailingGarbageIsAnError() {
        let stream = DatasetFiles.gzip(Array("payload".utf8))
        #expect(Self.failure(stream + [0, 0, 0]) == "3 bytes of trailing garbage after the gzip stream")
        #expect(Self.failure(stream + [0x1F]) != nil)
    }
}
