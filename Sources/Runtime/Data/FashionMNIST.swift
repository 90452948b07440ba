/// Fashion-MNIST (Xiao et al. 2017): 60000 training and 10000 test greyscale images of
/// 28x28 pixels in 10 clothing classes, read from the four IDX files of the original
/// distribution, each plain or gzipped (`name` is tried before `name.gz`).
///
/// The default directory is where Debian's `dataset-fashion-mnist` package puts them.
public enum FashionMNIST {
    /// /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist).
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    /// The IDX files: training images and labels, test images and labels.
    public static let fileNames = [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ]
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
    /// Pixel mean and standard deviation of the training images (pixel / 255).
    public static let mean: [Float] = [0.2860]
    public static let std: [Float] = [0.3530]
    public static let side = 28

    /// Loads the training and test sets from `directory`.
    public static func load(directory: String = defaultDirectory) throws(DatasetError) -> DatasetPair {
        let expected = fileNames.map { $0 + "[.gz]" }
        try DataFile.requireDirectory(directory, expected: expected)
        func path(_ name: String) -> String {
            let plain = DataFile.join(directory, name)
            return DataFile.exists(plain) || !DataFile.exists(plain + ".gz") ? plain : plain + ".gz"
        }
        func part(_ images: String, _ labels: String, _ split: String) throws(DatasetError) -> Dataset {
            let (pixels, labelValues) = try IDX.loadPair(
                images: path(images), labels: path(labels), height: side,
                width: side, classCount: classNames.count, expected: expected)
            return Dataset(
                name: "fashion_mnist/\(split)", source: directory, images: pixels, labels: labelValues,
                channels: 1, height: side, width: side, classCount: classNames.count,
                classNames: classNames, mean: mean, std: std)
        }
        return DatasetPair(
            train: try part(fileNames[0], fileNames[1], "train"),
            test: try part(fileNames[2], fileNames[3], "test"))
    }
}
