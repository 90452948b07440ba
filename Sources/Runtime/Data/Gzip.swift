import CZlib

/// Strict gzip decompression on zlib's inflate API.
///
/// Every member of a multi-member stream is decompressed and each member's CRC-32 and
/// length are checked by zlib. A stream that ends early, fails its checks or is followed
/// by anything other than another gzip member is an error: nothing is silently dropped.
public enum Gzip {
    /// Whether `bytes` start with the gzip magic number (1f 8b).
    public static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// The decompressed contents of the gzip stream `input`, read from `path` (named in errors).
    ///
    /// `limit` is asked, with what has been decompressed so far, for the most bytes the
    /// whole may have (nil while it cannot tell yet, as before a file's header is in):
    /// decompression stops as soon as the output passes it, so a small file that would
    /// inflate to gigabytes (a gzip bomb) costs no more than the limit.
    public static func decompress(
        _ input: [UInt8], path: String,
        limit: (ArraySlice<UInt8>) -> Int? = { _ in nil }
    ) throws(DatasetError) -> [UInt8] {
        // The last member's ISIZE field (length mod 2^32) is a good guess at the size,
        // trusted only up to deflate's largest ratio (about 1032:1) and the limit. The
        // first few kilobytes come first, so the limit can read a header before the
        // buffer grows.
        var guess = 1 << 16
        if input.count >= 18 {
            let n = input.count
            let isize = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            guess = max(guess, min(isize, input.count * 1032))
        }
        var output = [UInt8](repeating: 0, count: 1 << 12)
        var produced = 0
        var bound: Int?
        var stream = z_stream()
        guard canopy_inflate_init_gzip(&stream) == Z_OK else {
            throw DatasetError(path: path, .gzip("zlib could not start inflating"))
        }
        defer { inflateEnd(&stream) }

        let failure: String? = input.withUnsafeBufferPointer { source in
            var fed = 0
            while true {
                if stream.avail_in == 0, fed < source.count {
                    let chunk = min(source.count - fed, Int(UInt32.max))
                    stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress! + fed)
                    stream.avail_in = UInt32(chunk)
                    fed += chunk
                }
                if produced == output.count {
                    if bound == nil { bound = limit(output[..<produced]) }
                    if let bound, produced > bound { return overLimit(bound) }
                    // One byte past the bound is room enough to see that it is passed.
                    let size = min(max(output.count * 2, guess), bound.map { $0 + 1 } ?? Int.max)
                    output = grown(output, produced: produced, to: max(size, output.count + 1))
                }
                let room = min(output.count - produced, Int(UInt32.max))
                let status = output.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = UInt32(room)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return status
                }
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    let left = Int(stream.avail_in) + (source.count - fed)
                    if left == 0 { return nil }
                    let next = source.count - left
                    guard left >= 2, source[next] == 0x1F, source[next + 1] == 0x8B else {
                        return "\(left) bytes of trailing garbage after the gzip stream"
                    }
                    inflateReset(&stream)
                case Z_BUF_ERROR where stream.avail_in == 0 && fed == source.count:
                    return "unexpected end of the gzip stream (truncated file)"
                case Z_BUF_ERROR:
                    continue
                default:
                    let detail = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    return detail
                }
            }
        }
        if let failure { throw DatasetError(path: path, .gzip(failure)) }
        if let bound = bound ?? limit(output[..<produced]), produced > bound {
            throw DatasetError(path: path, .gzip(overLimit(bound)))
        }
        output.removeSubrange(produced...)
        return output
    }

    /// A zeroed buffer of `size` bytes starting with the first `produced` bytes of
    /// `output`, built by bulk copies (appending a repeated element goes byte by byte
    /// through generic code and took seconds per dataset in debug builds).
    private static func grown(_ output: [UInt8], produced: Int, to size: Int) -> [UInt8] {
        var bigger = [UInt8](repeating: 0, count: size)
        bigger.withUnsafeMutableBufferPointer { dst in
            output.withUnsafeBufferPointer { src in dst.baseAddress!.update(from: src.baseAddress!, count: produced) }
        }
        return bigger
    }

    private static func overLimit(_ bound: Int) -> String { "decompresses to more than the \(bound) bytes expected" }
}
