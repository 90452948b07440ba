/// The IDX format of the MNIST family: a big-endian magic number (two zero bytes, the
/// element type 0x08 for unsigned bytes, the rank), one big-endian UInt32 per
/// dimension, then the elements in row-major order.
enum IDX {
    /// The magic number of an unsigned-byte array of `rank` dimensions.
    static func magic(rank: Int) -> UInt32 { 0x0000_0800 | UInt32(rank) }

    /// The dimensions and elements of the unsigned-byte IDX array of `rank` in `bytes`,
    /// read from `path`. The file must hold exactly the elements its header announces.
    static func parse(_ bytes: [UInt8], rank: Int, path: String) throws(DatasetError) -> (dims: [Int], elements: [UInt8]) {
        let header = 4 + 4 * rank
        guard bytes.count >= 4 else { throw DatasetError(path: path, .truncated(expectedBytes: header, actualBytes: bytes.count)) }
        let found = word(bytes, at: 0)
        guard found == magic(rank: rank) else { throw DatasetError(path: path, .wrongMagic(found: found, expected: magic(rank: rank))) }
        guard bytes.count >= header else { throw DatasetError(path: path, .truncated(expectedBytes: header, actualBytes: bytes.count)) }
        let dims = (0..<rank).map { Int(word(bytes, at: 4 + 4 * $0)) }
        let size = fileSize(dims: dims)
        if bytes.count < size { throw DatasetError(path: path, .truncated(expectedBytes: size, actualBytes: bytes.count)) }
        if bytes.count > size { throw DatasetError(path: path, .trailingBytes(expectedBytes: size, actualBytes: bytes.count)) }
        return (dims, Array(bytes[header...]))
    }

    /// The size of an IDX file with `dims` (header and elements), or Int.max when it
    /// does not fit in an Int (each dimension is below 2^32, so three can overflow).
    static func fileSize(dims: [Int]) -> Int {
        var size = 1, overflow = false
        for d in dims where !overflow { (size, overflow) = size.multipliedReportingOverflow(by: d) }
        if !overflow { (size, overflow) = size.addingReportingOverflow(4 + 4 * dims.count) }
        return overflow ? Int.max : size
    }

    /// The size the header at the start of `prefix` announces, once the header is in
    /// (nil before, or when it is not an IDX header of `rank`): a bound for decompressing.
    static func announcedSize(_ prefix: ArraySlice<UInt8>, rank: Int) -> Int? {
        let bytes = Array(prefix.prefix(4 + 4 * rank))
        guard bytes.count == 4 + 4 * rank, word(bytes, at: 0) == magic(rank: rank) else { return nil }
        return fileSize(dims: (0..<rank).map { Int(word(bytes, at: 4 + 4 * $0)) })
    }

    /// Reads an images file (rank 3: count, rows, columns) and its labels file (rank 1)
    /// and checks that they agree, that images are `height` x `width` and that every
    /// label lies in 0..<classCount. Either file may be gzip-compressed.
    static func loadPair(
        images imagesPath: String, labels labelsPath: String, height: Int, width: Int,
        classCount: Int, expected: [String]
    ) throws(DatasetError) -> (images: [UInt8], labels: [Int32]) {
        let imageBytes = try DataFile.readMaybeCompressed(imagesPath, expected: expected) { announcedSize($0, rank: 3) }
        let (dims, pixels) = try parse(imageBytes, rank: 3, path: imagesPath)
        guard dims[1] == height, dims[2] == width else {
            throw DatasetError(path: imagesPath, .wrongDimensions(found: [dims[1], dims[2]], expected: [height, width]))
        }
        guard dims[0] > 0 else { throw DatasetError(path: imagesPath, .empty) }
        let labelBytes = try DataFile.readMaybeCompressed(labelsPath, expected: expected) { announcedSize($0, rank: 1) }
        let (labelDims, raw) = try parse(labelBytes, rank: 1, path: labelsPath)
        guard labelDims[0] == dims[0] else {
            throw DatasetError(path: labelsPath, .countMismatch(images: dims[0], labels: labelDims[0]))
        }
        var labels = [Int32](repeating: 0, count: raw.count)
        for (i, l) in raw.enumerated() {
            guard Int(l) < classCount else {
                throw DatasetError(path: labelsPath, .labelOutOfRange(index: i, label: Int(l), classCount: classCount))
            }
            labels[i] = Int32(l)
        }
        return (pixels, labels)
    }

    /// The big-endian UInt32 at `offset`.
    private static func word(_ b: [UInt8], at offset: Int) -> UInt32 {
        UInt32(b[offset]) << 24 | UInt32(b[offset + 1]) << 16 | UInt32(b[offset + 2]) << 8 | UInt32(b[offset + 3])
    }
}
