import CZlib
import CanopyRuntime
import Foundation

/// Hand-built data set files for the data tests: IDX and CIFAR records, gzip streams
/// written with zlib, and scratch directories.
enum DatasetFiles {
    /// A fresh empty directory under the system's temporary directory.
    static func scratchDirectory(_ name: String = #function) -> String {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let path = NSTemporaryDirectory() + "canopy-data-\(safe)-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ bytes: [UInt8], to path: String) {
        precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
    }

    static func remove(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    /// An unsigned-byte IDX file: magic 0x0000080r, big-endian dimensions, the elements.
    static func idx(dims: [Int], _ elements: [UInt8], magic: UInt32? = nil) -> [UInt8] {
        var bytes: [UInt8] = []
        for word in [magic ?? (0x800 | UInt32(dims.count))] + dims.map(UInt32.init) {
            bytes += [UInt8(word >> 24), UInt8(word >> 16 & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word & 0xFF)]
        }
        return bytes + elements
    }

    /// `data` compressed as one gzip member by zlib.
    static func gzip(_ data: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(canopy_deflate_init_gzip(&stream, 6) == Z_OK)
        defer { deflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(data.count))) + 64)
        var input = data
        let status = input.withUnsafeMutableBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = UInt32(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = UInt32(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        precondition(status == Z_STREAM_END)
        return Array(out[..<Int(stream.total_out)])
    }

    /// Deterministic pseudo-random bytes.
    static func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    /// A Fashion-MNIST directory of `train` and `test` random 28x28 images with labels
    /// cycling through 0..<10, gzipped or plain. Returns the directory and the data.
    static func fashionMNIST(train: Int = 5, test: Int = 3, gzipped: Bool)
        -> (directory: String, trainImages: [UInt8], trainLabels: [UInt8], testImages: [UInt8], testLabels: [UInt8])
    {
        let dir = scratchDirectory("fmnist")
        let trainImages = bytes(train * 784, seed: 1), testImages = bytes(test * 784, seed: 2)
        let trainLabels = (0..<train).map { UInt8($0 % 10) }, testLabels = (0..<test).map { UInt8(9 - $0 % 10) }
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte", idx(dims: [train, 28, 28], trainImages)),
            ("train-labels-idx1-ubyte", idx(dims: [train], trainLabels)),
            ("t10k-images-idx3-ubyte", idx(dims: [test, 28, 28], testImages)),
            ("t10k-labels-idx1-ubyte", idx(dims: [test], testLabels)),
        ]
        for (name, content) in files {
            write(gzipped ? gzip(content) : content, to: dir + "/" + name + (gzipped ? ".gz" : ""))
        }
        return (dir, trainImages, trainLabels, testImages, testLabels)
    }

    /// CIFAR records: for each image, its label bytes then 3072 pixel bytes.
    static func cifarRecords(labels: [[UInt8]], seed: UInt64) -> (file: [UInt8], images: [UInt8]) {
        var file: [UInt8] = [], images: [UInt8] = []
        for (i, l) in labels.enumerated() {
            let image = bytes(3072, seed: seed * 1000 + UInt64(i))
            file += l + image
            images += image
        }
        return (file, images)
    }
}
