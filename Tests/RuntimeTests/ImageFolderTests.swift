import CanopyRuntime
import CanopyTestSupport
import Foundation
import Testing

/// PNG and JPEG decoding through libpng and libjpeg, resizing and cropping, and the
/// class-per-folder loader with its cache, on files the tests write themselves.
@Suite struct ImageFolderTests {
    // MARK: Images with known pixels

    /// The bytes of a `width` x `height` image with `channels` bytes per pixel, byte c
    /// of pixel (x, y) being `value(x, y, c)`.
    static func pixels(_ width: Int, _ height: Int, _ channels: Int, _ value: (Int, Int, Int) -> Int) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { out.append(UInt8(value(x, y, c))) }
            }
        }
        return out
    }

    /// The grey value 20y + 7x of the 5x7 test image at (x, y).
    static func grayValue(_ x: Int, _ y: Int) -> UInt8 { UInt8(20 * y + 7 * x) }

    /// 5x7 grey: v(x, y) = 20y + 7x.
    static let gray5x7 = pixels(5, 7, 1) { (x: Int, y: Int, _: Int) -> Int in 20 * y + 7 * x }
    /// 40x33 RGB: (6x, 7y, 255 - 3x - 2y).
    static let rgb40x33 = pixels(40, 33, 3) { (x: Int, y: Int, c: Int) -> Int in
        switch c {
        case 0: return 6 * x
        case 1: return 7 * y
        default: return 255 - 3 * x - 2 * y
        }
    }
    /// A smooth 40x33 RGB gradient that JPEG keeps closely: (4x + 40, 5y + 30, 200 - 2x - y).
    static let smooth40x33 = pixels(40, 33, 3) { (x: Int, y: Int, c: Int) -> Int in
        switch c {
        case 0: return 4 * x + 40
        case 1: return 5 * y + 30
        default: return 200 - 2 * x - y
        }
    }
    /// 5x5 palette image: index (x + y) % 3 into red, green, blue-ish.
    static let palette: [UInt8] = [200, 10, 20, 30, 180, 40, 50, 60, 170]
    static let palette5x5 = (0..<5).flatMap { y in (0..<5).map { x in UInt8((x + y) % 3) } }

    /// `gray` as RGB.
    static func rgb(gray: [UInt8]) -> [UInt8] { gray.flatMap { [$0, $0, $0] } }

    /// A new empty folder.
    static func folder() -> String {
        let path = NSTemporaryDirectory() + "canopy-images-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    static func decode(_ path: String) throws -> RGBImage { try ImageDecoder.decode(bytes(path), name: path) }

    // MARK: Decoding

    @Test func pngPixelsComeBackExactly() throws {
        let dir = Self.folder()
        try ImageFiles.writePNG(dir + "/gray.png", width: 5, height: 7, .gray, Self.gray5x7)
        try ImageFiles.writePNG(dir + "/rgb.png", width: 40, height: 33, .rgb, Self.rgb40x33)
        try ImageFiles.writePNG(dir + "/palette.png", width: 5, height: 5, .palette(Self.palette), Self.palette5x5)
        // Alpha is dropped, not composited: the colour under alpha 0 survives.
        try ImageFiles.writePNG(dir + "/rgba.png", width: 2, height: 1, .rgba, [10, 20, 30, 0, 250, 240, 230, 128])
        try ImageFiles.writePNG(dir + "/ga.png", width: 2, height: 1, .grayAlpha, [77, 0, 155, 255])

        let gray = try Self.decode(dir + "/gray.png")
        #expect(gray.width == 5 && gray.height == 7)
        #expect(gray.pixels == Self.rgb(gray: Self.gray5x7))
        #expect(gray[4, 6, 1] == 148)
        let rgb = try Self.decode(dir + "/rgb.png")
        #expect(rgb.width == 40 && rgb.height == 33 && rgb.pixels == Self.rgb40x33)
        #expect((rgb[39, 0, 0], rgb[0, 32, 1], rgb[39, 32, 2]) == (234, 224, 74))
        let palette = try Self.decode(dir + "/palette.png")
        #expect(palette.pixels == Self.palette5x5.flatMap { Array(Self.palette[3 * Int($0)..<3 * Int($0) + 3]) })
        #expect(try Self.decode(dir + "/rgba.png").pixels == [10, 20, 30, 250, 240, 230])
        #expect(try Self.decode(dir + "/ga.png").pixels == [77, 77, 77, 155, 155, 155])
        #expect(ImageDecoder.format(of: try Self.bytes(dir + "/gray.png")) == .png)
    }

    @Test func jpegPixelsComeBackClosely() throws {
        let dir = Self.folder()
        try ImageFiles.writeJPEG(dir + "/rgb.jpg", width: 40, height: 33, Self.smooth40x33, quality: 98)
        try ImageFiles.writeJPEG(dir + "/gray.jpeg", width: 5, height: 7, gray: true, Self.gray5x7, quality: 98)
        let rgb = try Self.decode(dir + "/rgb.jpg")
        #expect(rgb.width == 40 && rgb.height == 33)
        let worst = zip(rgb.pixels, Self.smooth40x33).map { abs(Int($0) - Int($1)) }.max() ?? 99
        #expect(worst <= 6, "largest error \(worst)")
        let gray = try Self.decode(dir + "/gray.jpeg")
        #expect(gray.width == 5 && gray.height == 7)
        // Grey JPEGs become RGB with three equal channels.
        var worstGray = 0
        for p in 0..<35 {
            let (r, g, b) = (gray.pixels[3 * p], gray.pixels[3 * p + 1], gray.pixels[3 * p + 2])
            #expect(r == g && r == b, "pixel \(p)")
            worstGray = max(worstGray, abs(Int(r) - Int(Self.gray5x7[p])))
        }
        #expect(worstGray <= 6, "largest error \(worstGray)")
        #expect(ImageDecoder.format(of: try Self.bytes(dir + "/rgb.jpg")) == .jpeg)
    }

    @Test func badFilesAreErrorsWithTheLibrarysReason() throws {
        let dir = Self.folder()
        try ImageFiles.writePNG(dir + "/ok.png", width: 40, height: 33, .rgb, Self.rgb40x33)
        try ImageFiles.writeJPEG(dir + "/ok.jpg", width: 40, height: 33, Self.smooth40x33)
        let png = try Self.bytes(dir + "/ok.png"), jpeg = try Self.bytes(dir + "/ok.jpg")
        func failure(_ bytes: [UInt8], _ name: String) -> String? {
            do {
                _ = try ImageDecoder.decode(bytes, name: name)
                return nil
            } catch { return error.message }
        }
        #expect(failure(Array("hello".utf8), "3.png") == "not a PNG file")
        #expect(failure(Array("hello".utf8), "3.JPG") == "not a JPEG file")
        #expect(failure([], "x.jpeg") == "not a JPEG file")
        // Cut short or damaged: libpng's and libjpeg's own messages (Debian's libpng 1.6
        // and libjpeg-turbo 2.1 word them so).
        #expect(failure(Array(png.prefix(png.count / 2)), "a.png") == "read beyond end of data")
        #expect(failure(Array(jpeg.prefix(jpeg.count / 2)), "a.jpg") == "Premature end of JPEG file")
        var badHeader = png
        badHeader[16] = 0xFF  // the width's top byte: the header's checksum no longer matches
        #expect(failure(badHeader, "a.png") == "IHDR: CRC error")
        var badJPEG = jpeg
        for i in 4..<40 { badJPEG[i] = 0 }  // the segments after the start-of-image marker
        #expect(failure(badJPEG, "a.jpg") == "Quantization table 0x00 was not defined")
    }

    // MARK: Resizing and cropping (hand-computed)

    /// A grey image from rows of values.
    static func grayImage(_ rows: [[UInt8]]) -> RGBImage {
        RGBImage(width: rows[0].count, height: rows.count, pixels: rows.flatMap { $0.flatMap { [$0, $0, $0] } })
    }

    /// The red channel, row by row.
    static func red(_ image: RGBImage) -> [[UInt8]] {
        (0..<image.height).map { y in (0..<image.width).map { x in image[x, y, 0] } }
    }

    @Test func bilinearResizeMatchesHandComputedValues() {
        // Enlarging 2 -> 4: output centres fall at source 0.25, 0.75, 1.25, 1.75 (pixel
        // centres at 0.5, 1.5), edges clamped: 0, 0.25 * 100, 0.75 * 100, 100.
        #expect(Self.red(Self.grayImage([[0, 100]]).resized(width: 4, height: 1)) == [[0, 25, 75, 100]])
        // 2x2 -> 3x3: centres at 1/3, 1, 5/3, so each axis gives a, (a + b) / 2, b.
        #expect(
            Self.red(Self.grayImage([[0, 90], [90, 180]]).resized(width: 3, height: 3))
                == [[0, 45, 90], [45, 90, 135], [90, 135, 180]])
        // Shrinking 4 -> 2 widens the triangle to 2 pixels: output 0 sits at 1.0 and weighs
        // pixels 0, 1, 2 by 0.75, 0.75, 0.25 (50 / 1.75 = 28.57); output 1 at 3.0 weighs
        // 1, 2, 3 by 0.25, 0.75, 0.75 (160 / 1.75 = 91.43).
        #expect(Self.red(Self.grayImage([[0, 40, 80, 120]]).resized(width: 2, height: 1)) == [[29, 91]])
        // Same size: unchanged.
        let image = RGBImage(width: 40, height: 33, pixels: Self.rgb40x33)
        #expect(image.resized(width: 40, height: 33) == image)
    }

    @Test func cropsAndFitsMatchHandComputedValues() {
        func rows(_ ys: ClosedRange<Int>, _ xs: Range<Int>) -> [[UInt8]] {
            ys.map { y in xs.map { x in Self.grayValue(x, y) } }
        }
        let tall = Self.grayImage(rows(0...6, 0..<5))
        // 5x7 -> 5: rows 1...5 ((7 - 5) / 2 = 1 row off the top, 1 off the bottom).
        #expect(Self.red(tall.centerCropped(size: 5)) == rows(1...5, 0..<5))
        // 5x7 -> 4: rows (7 - 4) / 2 = 1 ... 4, columns (5 - 4) / 2 = 0 ... 3.
        #expect(Self.red(tall.centerCropped(size: 4)) == rows(1...4, 0..<4))
        // 3x2 -> 4: placed at row (4 - 2) / 2 = 1, column (4 - 3) / 2 = 0 on black.
        #expect(
            Self.red(Self.grayImage([[1, 2, 3], [4, 5, 6]]).centerCropped(size: 4))
                == [[0, 0, 0, 0], [1, 2, 3, 0], [4, 5, 6, 0], [0, 0, 0, 0]])
        // resize_crop of 4x2 to 2: the shorter side is already 2 (the longer stays 4), then
        // columns 1 and 2.
        let wide = Self.grayImage([[10, 20, 30, 40], [50, 60, 70, 80]])
        #expect(ImageFit.resizeCrop.apply(wide, size: 2) == [20, 30, 60, 70, 20, 30, 60, 70, 20, 30, 60, 70])
        // resize_crop of 2x4 to 1: the shorter side to 1, the longer to floor(1 * 4 / 2) = 2.
        // Columns 2 -> 1 average each row's pair (15, 35, 55, 75); rows 4 -> 2 put output
        // row 0 at 1.0, weighing rows 0, 1, 2 by 0.75, 0.75, 0.25: 51.25 / 1.75 = 29.3.
        // The centre crop of the 1x2 result keeps row 0.
        let narrow = Self.grayImage([[10, 20], [30, 40], [50, 60], [70, 80]])
        #expect(ImageFit.resizeCrop.apply(narrow, size: 1) == [29, 29, 29])
        // resize squeezes 4x2 -> 2x2 (aspect not kept): per row, output 0 weighs columns
        // 0, 1, 2 by 0.75, 0.75, 0.25 and output 1 columns 1, 2, 3 by 0.25, 0.75, 0.75:
        // 30 / 1.75 = 17.1, 57.5 / 1.75 = 32.9, 100 / 1.75 = 57.1, 127.5 / 1.75 = 72.9.
        #expect(ImageFit.resize.apply(wide, size: 2) == [17, 33, 57, 73, 17, 33, 57, 73, 17, 33, 57, 73])
        // Planar output (all red, then all green, then all blue); a 2x1 image padded to
        // 2x2 sits at row (2 - 1) / 2 = 0, the black row below it.
        let colour = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        #expect(ImageFit.centerCrop.apply(colour, size: 2) == [1, 4, 0, 0, 2, 5, 0, 0, 3, 6, 0, 0])
    }

    // MARK: The class-per-folder loader

    /// Writes the test tree under a new root: train/{birds, cats, dogs}, test/{birds, cats, dogs},
    /// plus files the loader must ignore.
    static func writeTree() throws -> String {
        let root = folder()
        try ImageFiles.writePNG(root + "/train/birds/b.PNG", width: 5, height: 5, .palette(palette), palette5x5)
        try ImageFiles.writePNG(root + "/train/cats/1.png", width: 5, height: 7, .gray, gray5x7)
        try ImageFiles.writeJPEG(root + "/train/cats/sub/2.jpg", width: 40, height: 33, smooth40x33, quality: 98)
        try ImageFiles.writePNG(root + "/train/dogs/a.png", width: 40, height: 33, .rgb, rgb40x33)
        try "not an image".write(toFile: root + "/train/dogs/notes.txt", atomically: true, encoding: .utf8)
        try ImageFiles.writePNG(root + "/train/.hidden/h.png", width: 5, height: 7, .gray, gray5x7)
        try ImageFiles.writePNG(root + "/train/dogs/.h.png", width: 5, height: 7, .gray, gray5x7)
        try ImageFiles.writePNG(root + "/test/birds/x.png", width: 5, height: 7, .gray, gray5x7)
        try ImageFiles.writePNG(root + "/test/cats/y.png", width: 40, height: 33, .rgb, rgb40x33)
        try ImageFiles.writeJPEG(root + "/test/dogs/z.jpeg", width: 5, height: 7, gray: true, gray5x7, quality: 98)
        return root
    }

    /// Image `i` (3 x 5 x 5 planar) of a loaded set.
    static func image(_ set: Dataset, _ i: Int) -> [UInt8] { Array(set.images[(i * 75)..<((i + 1) * 75)]) }

    /// The planar 5x5 centre crop of an interleaved RGB image.
    static func crop(_ pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        RGBImage(width: width, height: height, pixels: pixels).centerCropped(size: 5).planar
    }

    @Test func readsAClassPerFolderTree() throws {
        let root = try Self.writeTree()
        let (pair, cache) = try ImageFolder.load(
            ImageFolder.Options(root: root, size: 5, fit: .centerCrop, classes: 3),
            threads: 2)
        #expect(cache == [.off, .off])
        let train = pair.train, test = pair.test
        #expect(train.classNames == ["birds", "cats", "dogs"] && test.classNames == train.classNames)
        #expect(train.labels == [0, 1, 1, 2] && test.labels == [0, 1, 2])
        #expect(train.channels == 3 && train.height == 5 && train.width == 5 && train.classCount == 3)
        // birds/b.PNG: the palette colours, exactly.
        let birds = Self.palette5x5.flatMap { Array(Self.palette[3 * Int($0)..<3 * Int($0) + 3]) }
        #expect(Self.image(train, 0) == RGBImage(width: 5, height: 5, pixels: birds).planar)
        // cats/1.png: grey 5x7 cropped to rows 1...5, in all three planes.
        let rows: [UInt8] = (1...5).flatMap { y in (0..<5).map { x in Self.grayValue(x, y) } }
        #expect(Self.image(train, 1) == rows + rows + rows)
        // cats/sub/2.jpg: the JPEG's centre (columns 17...21, rows 14...18), closely.
        let jpeg = Self.crop(Self.smooth40x33, width: 40, height: 33)
        #expect(zip(Self.image(train, 2), jpeg).allSatisfy { abs(Int($0) - Int($1)) <= 6 })
        // dogs/a.png: the centre of the 40x33 PNG, exactly: red 6x for x = 17...21.
        #expect(Self.image(train, 3) == Self.crop(Self.rgb40x33, width: 40, height: 33))
        #expect(Self.image(train, 3)[0..<5] == [102, 108, 114, 120, 126])
        // The test split, and the statistics from the training images only.
        #expect(Self.image(test, 1) == Self.crop(Self.rgb40x33, width: 40, height: 33))
        let stats = train.channelStatistics()
        #expect(train.mean == stats.mean.map { Float($0) } && test.mean == train.mean && test.std == train.std)
        let split = try ImageFolder.loadSplit(root + "/train", size: 5, fit: .centerCrop)
        #expect(split.files == ["birds/b.PNG", "cats/1.png", "cats/sub/2.jpg", "dogs/a.png"])
    }

    @Test func aCorruptOrMissingImageIsANamedError() throws {
        let root = try Self.writeTree()
        try Data("GIF89a, not a PNG".utf8).write(to: URL(fileURLWithPath: root + "/train/dogs/3.png"))
        let options = ImageFolder.Options(root: root, size: 5, fit: .centerCrop, classes: 3)
        #expect(throws: DatasetError(path: root + "/train/dogs/3.png", .badImage("not a PNG file"))) {
            try ImageFolder.load(options)
        }
        do {
            _ = try ImageFolder.load(options)
        } catch { #expect(error.description == root + "/train/dogs/3.png: not a PNG file") }
        // A truncated JPEG, with libjpeg's message.
        try FileManager.default.removeItem(atPath: root + "/train/dogs/3.png")
        let jpeg = try Self.bytes(root + "/test/dogs/z.jpeg")
        try Data(jpeg.prefix(jpeg.count - 40)).write(to: URL(fileURLWithPath: root + "/test/dogs/z.jpeg"))
        #expect(throws: DatasetError(path: root + "/test/dogs/z.jpeg", .badImage("Premature end of JPEG file"))) {
            try ImageFolder.load(options, threads: 2)
        }
    }

    @Test func badLayoutsAreNamedErrors() throws {
        let root = try Self.writeTree()
        func message(_ options: ImageFolder.Options) -> String? {
            do {
                _ = try ImageFolder.load(options)
                return nil
            } catch { return error.description }
        }
        #expect(
            message(ImageFolder.Options(root: root, size: 5, classes: 4))
                == root + "/train: 3 class folders (birds, cats, dogs), but the data set is declared with classes: 4")
        #expect(
            message(ImageFolder.Options(root: root, size: 5, testDirectory: "valid"))?
                .hasPrefix(root + "/valid: no such directory") == true)
        #expect(message(ImageFolder.Options(root: root + "/nowhere", size: 5))?.hasPrefix(root + "/nowhere: no such directory") == true)
        try FileManager.default.createDirectory(atPath: root + "/test/fish", withIntermediateDirectories: true)
        #expect(
            message(ImageFolder.Options(root: root, size: 5))
                == root + "/test/fish: no images (.png, .jpg or .jpeg files) in class folder 'fish'")
        try ImageFiles.writePNG(root + "/test/fish/f.png", width: 5, height: 7, .gray, Self.gray5x7)
        #expect(
            message(ImageFolder.Options(root: root, size: 5))
                == root + "/test: the class folders differ from the training split's: folders the training split lacks: fish")
    }

    // MARK: The cache

    @Test func theCacheIsReusedAndRebuiltWhenFilesOrParamsChange() throws {
        let root = try Self.writeTree()
        let cacheDir = root + "/cache"
        var options = ImageFolder.Options(root: root, size: 5, fit: .centerCrop, classes: 3, cacheDirectory: cacheDir)
        let first = try ImageFolder.load(options)
        #expect(first.cache == [.built, .built])
        let trainCache = cacheDir + "/train-5-center_crop.cache"
        #expect(FileManager.default.fileExists(atPath: trainCache) && FileManager.default.fileExists(atPath: cacheDir + "/test-5-center_crop.cache"))
        // No temporary file is left beside the cache.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: cacheDir).sorted()
                == ["test-5-center_crop.cache", "train-5-center_crop.cache"])

        let second = try ImageFolder.load(options)
        #expect(second.cache == [.reused, .reused])
        #expect(second.pair.train.images == first.pair.train.images && second.pair.test.images == first.pair.test.images)
        #expect(second.pair.train.labels == first.pair.train.labels)

        // The pixels really come from the cache: a byte changed in it shows in the load.
        var bytes = try Self.bytes(trainCache)
        bytes[bytes.count - 1] = 201
        try Data(bytes).write(to: URL(fileURLWithPath: trainCache))
        let poked = try ImageFolder.load(options)
        #expect(poked.cache == [.reused, .reused] && poked.pair.train.images.last == 201)
        #expect(first.pair.train.images.last != 201)

        // A file rewritten: the train split decodes again, the test split's cache still holds.
        // (The time is set too: two writes within one clock tick can share a timestamp.)
        try ImageFiles.writePNG(root + "/train/cats/1.png", width: 5, height: 7, .gray, Self.gray5x7.map { 255 - $0 })
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 2_000_000)],
            ofItemAtPath: root + "/train/cats/1.png")
        let rewritten = try ImageFolder.load(options)
        #expect(rewritten.cache == [.built, .reused])
        #expect(Self.image(rewritten.pair.train, 1)[0] == 255 - 20)
        #expect(rewritten.pair.train.images.last == first.pair.train.images.last)

        // Only the modification time changes: decoded again.
        let attributes: [FileAttributeKey: Any] = [.modificationDate: Date(timeIntervalSince1970: 1_000_000)]
        try FileManager.default.setAttributes(attributes, ofItemAtPath: root + "/test/cats/y.png")
        #expect(try ImageFolder.load(options).cache == [.reused, .built])

        // A file added: decoded again, with the new image in its class's place.
        try ImageFiles.writePNG(root + "/train/birds/c.png", width: 5, height: 7, .gray, Self.gray5x7)
        let added = try ImageFolder.load(options)
        #expect(added.cache == [.built, .reused] && added.pair.train.labels == [0, 0, 1, 1, 2])

        // Other params use their own cache file; going back finds the first one current.
        options.size = 4
        #expect(try ImageFolder.load(options).cache == [.built, .built])
        options.fit = .resize
        #expect(try ImageFolder.load(options).cache == [.built, .built])
        options.size = 5
        options.fit = .centerCrop
        #expect(try ImageFolder.load(options).cache == [.reused, .reused])

        // A damaged cache file is not trusted: rebuilt.
        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: trainCache))
        #expect(try ImageFolder.load(options).cache == [.built, .reused])
    }

    @Test func aCacheThatCannotBeWrittenLeavesTheLoadUnharmed() throws {
        let root = try Self.writeTree()
        try "a file".write(toFile: root + "/blocker", atomically: true, encoding: .utf8)
        let options = ImageFolder.Options(root: root, size: 5, fit: .centerCrop, cacheDirectory: root + "/blocker/cache")
        let loaded = try ImageFolder.load(options)
        guard case let .unwritable(reason) = loaded.cache[0] else {
            Issue.record("expected an unwritable cache, got \(loaded.cache)")
            return
        }
        #expect(reason.contains(root + "/blocker/cache"), "\(reason)")
        #expect(loaded.pair.train.labels == [0, 1, 1, 2])
    }
}
