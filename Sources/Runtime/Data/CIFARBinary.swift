/// The binary format of CIFAR-10 and CIFAR-100: fixed-size records of label bytes
/// followed by a 3x32x32 image stored channel-planar (1024 red, 1024 green, 1024 blue
/// bytes, each plane row-major), which is already NCHW.
enum CIFARBinary {
    static let side = 32
    static let imageSize = 3 * 32 * 32
    /// The most records a compressed file may inflate to: the largest release file
    /// (CIFAR-100's train.bin) holds 50000, so this stops a gzip bomb, not a real file.
    static let maxRecords = 100_000

    /// The images and labels of the record files `paths`, in order. Each record has
    /// `labelBytes.count` label bytes; `labelBytes[k]` is the class count of byte k (every
    /// label is range-checked) and the last one is the label kept.
    static func load(_ paths: [String], labelBytes: [Int], expected: [String]) throws(DatasetError) -> (images: [UInt8], labels: [Int32]) {
        let record = labelBytes.count + imageSize
        var images: [UInt8] = [], labels: [Int32] = []
        for path in paths {
            let bytes = try DataFile.readMaybeCompressed(path, expected: expected) { _ in maxRecords * record }
            guard bytes.count % record == 0 else {
                throw DatasetError(path: path, .recordSizeMismatch(fileSize: bytes.count, recordSize: record))
            }
            guard !bytes.isEmpty else { throw DatasetError(path: path, .empty) }
            let n = bytes.count / record
            images.reserveCapacity(images.count + n * imageSize)
            labels.reserveCapacity(labels.count + n)
            for r in 0..<n {
                let start = r * record
                for (k, classCount) in labelBytes.enumerated() where Int(bytes[start + k]) >= classCount {
                    throw DatasetError(
                        path: path,
                        .labelOutOfRange(
                            index: r, label: Int(bytes[start + k]),
                            classCount: classCount))
                }
                labels.append(Int32(bytes[start + labelBytes.count - 1]))
                images.append(contentsOf: bytes[(start + labelBytes.count)..<(start + record)])
            }
        }
        return (images, labels)
    }

    /// A 3x32x32 data set of `classCount` classes from loaded records.
    static func dataset(
        _ parts: (images: [UInt8], labels: [Int32]), name: String, source: String,
        classNames: [String], mean: [Float], std: [Float]
    ) -> Dataset {
        Dataset(
            name: name, source: source, images: parts.images, labels: parts.labels, channels: 3, height: side,
            width: side, classCount: classNames.count, classNames: classNames, mean: mean, std: std)
    }
}
