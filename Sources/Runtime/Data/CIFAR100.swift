/// CIFAR-100 (Krizhevsky 2009): 50000 training and 10000 test colour images of 32x32
/// pixels in 100 fine classes (grouped in 20 coarse ones), from the binary
/// distribution's directory `cifar-100-binary`: train.bin and test.bin, records of a
/// coarse label byte, a fine label byte and 3072 pixel bytes. The fine label is used;
/// both are range-checked.
public enum CIFAR100 {
    /// `data/cifar-100-binary`, relative to the working directory.
    public static let defaultDirectory = "data/cifar-100-binary"
    public static let fileNames = ["train.bin", "test.bin"]
    public static let coarseClassCount = 20
    /// The fine class names, in label order.
    public static let classNames = [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ]
    /// Per-channel (RGB) mean and population standard deviation of the training images.
    public static let mean: [Float] = [0.5071, 0.4865, 0.4409]
    public static let std: [Float] = [0.2673, 0.2564, 0.2762]

    /// Loads the training and test sets from `directory`.
    public static func load(directory: String = defaultDirectory) throws(DatasetError) -> DatasetPair {
        try DataFile.requireDirectory(directory, expected: fileNames)
        func part(_ file: String, _ split: String) throws(DatasetError) -> Dataset {
            let records = try CIFARBinary.load(
                [DataFile.join(directory, file)],
                labelBytes: [coarseClassCount, classNames.count], expected: fileNames)
            return CIFARBinary.dataset(
                records, name: "cifar100/\(split)", source: directory, classNames: classNames,
                mean: mean, std: std)
        }
        return DatasetPair(train: try part(fileNames[0], "train"), test: try part(fileNames[1], "test"))
    }
}
