/// CIFAR-10 (Krizhevsky 2009): 50000 training and 10000 test colour images of 32x32
/// pixels in 10 classes, from the binary distribution's directory
/// `cifar-10-batches-bin`: data_batch_1.bin ... data_batch_5.bin and test_batch.bin,
/// records of 1 label byte + 3072 pixel bytes.
public enum CIFAR10 {
    /// `data/cifar-10-batches-bin`, relative to the working directory.
    public static let defaultDirectory = "data/cifar-10-batches-bin"
    /// The five training batches, then the test batch.
    public static let fileNames = (1...5).map { "data_batch_\($0).bin" } + ["test_batch.bin"]
    public static let classNames = [
        "airplane", "automobile", "bird", "cat", "deer",
        "dog", "frog", "horse", "ship", "truck",
    ]
    /// Per-channel (RGB) mean and population standard deviation of the training images.
    public static let mean: [Float] = [0.4914, 0.4822, 0.4465]
    public static let std: [Float] = [0.2470, 0.2435, 0.2616]

    /// Loads the training and test sets from `directory`.
    public static func load(directory: String = defaultDirectory) throws(DatasetError) -> DatasetPair {
        try DataFile.requireDirectory(directory, expected: fileNames)
        let paths = fileNames.map { DataFile.join(directory, $0) }
        func part(_ files: [String], _ split: String) throws(DatasetError) -> Dataset {
            let records = try CIFARBinary.load(files, labelBytes: [classNames.count], expected: fileNames)
            return CIFARBinary.dataset(
                records, name: "cifar10/\(split)", source: directory, classNames: classNames,
                mean: mean, std: std)
        }
        return DatasetPair(train: try part(Array(paths[0..<5]), "train"), test: try part([paths[5]], "test"))
    }
}
