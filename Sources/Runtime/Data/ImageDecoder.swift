import CJPEG
import CPNG

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An 8-bit RGB image, rows top to bottom, pixels interleaved (R, G, B, R, G, B, ...).
public struct RGBImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// height * width * 3 bytes.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "\(pixels.count) bytes for \(width)x\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The value of channel `c` (0 red, 1 green, 2 blue) at column `x`, row `y`.
    public subscript(x: Int, y: Int, c: Int) -> UInt8 { pixels[(y * width + x) * 3 + c] }
}

/// Decodes PNG and JPEG files to 8-bit RGB with Debian's libpng (simplified API) and
/// libjpeg-turbo, as torchvision's ImageFolder reads them with PIL's `convert("RGB")`:
/// grey images are copied to all three channels, palette images expanded, an alpha
/// channel is dropped (not composited), 16-bit samples are reduced to 8 bits, CMYK
/// JPEGs are converted. The format comes from the file's first bytes, not its name.
///
/// A file that is neither, is corrupt or is cut short is an `ImageDecoder.Failure` with
/// the library's reason; neither library can end the process (libpng's simplified API
/// returns its errors, and libjpeg's error handler longjmps back into a C wrapper).
public enum ImageDecoder {
    /// Why a file could not be decoded.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// The formats read.
    public enum Format: Sendable, Equatable {
        case png, jpeg
    }

    /// The most pixels an image may have (64 Mi, 8192 x 8192), so a forged header cannot
    /// ask for gigabytes; checked before the pixels are allocated.
    public static let maxPixels = 1 << 26

    /// The format of `bytes` by its signature, or nil.
    public static func format(of bytes: [UInt8]) -> Format? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        return nil
    }

    /// Decodes a PNG or JPEG file held in `bytes`. `name` is the file's name, for the
    /// message when the bytes are neither ("not a PNG file" for `x.png`).
    public static func decode(_ bytes: [UInt8], name: String = "") throws(Failure) -> RGBImage {
        switch format(of: bytes) {
        case .png: return try decodePNG(bytes)
        case .jpeg: return try decodeJPEG(bytes)
        case nil:
            let lower = name.lowercased()
            if lower.hasSuffix(".png") { throw Failure("not a PNG file") }
            if lower.hasSuffix(".jpg") || lower.hasSuffix(".jpeg") { throw Failure("not a JPEG file") }
            throw Failure(bytes.isEmpty ? "empty file" : "not a PNG or JPEG file")
        }
    }

    /// Decodes PNG data (libpng's simplified API: png_image).
    public static func decodePNG(_ bytes: [UInt8]) throws(Failure) -> RGBImage {
        var image = png_image()
        let begun = bytes.withUnsafeBytes { canopy_png_begin(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw Failure(message(of: &image)) }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= maxPixels else {
            canopy_png_abort(&image)
            throw Failure("image size \(width)x\(height) is more than \(maxPixels) pixels")
        }
        var rgba = [UInt8](repeating: 0, count: width * height * 4)
        let finished = rgba.withUnsafeMutableBytes { canopy_png_finish_rgba(&image, $0.baseAddress) }
        guard finished != 0 else { throw Failure(message(of: &image)) }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for p in 0..<(width * height) {
            rgb[3 * p] = rgba[4 * p]
            rgb[3 * p + 1] = rgba[4 * p + 1]
            rgb[3 * p + 2] = rgba[4 * p + 2]
        }
        return RGBImage(width: width, height: height, pixels: rgb)
    }

    /// Decodes JPEG data (libjpeg-turbo, through the CJPEG wrapper).
    public static func decodeJPEG(_ bytes: [UInt8]) throws(Failure) -> RGBImage {
        var width: UInt32 = 0, height: UInt32 = 0
        var pixels: UnsafeMutablePointer<UInt8>?
        var text = [CChar](repeating: 0, count: Int(canopy_jpeg_message_length))
        let ok = bytes.withUnsafeBufferPointer { data in
            text.withUnsafeMutableBufferPointer { text in
                canopy_jpeg_decode_rgb(
                    data.baseAddress, UInt(data.count), UInt(maxPixels), &width, &height, &pixels,
                    text.baseAddress)
            }
        }
        guard ok != 0, let pixels else {
            let reason = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw Failure(reason.isEmpty ? "cannot decode the JPEG data" : reason)
        }
        defer { free(pixels) }
        let w = Int(width), h = Int(height)
        guard w > 0, h > 0 else { throw Failure("image size \(w)x\(h) has no pixels") }
        return RGBImage(width: w, height: h, pixels: Array(UnsafeBufferPointer(start: pixels, count: w * h * 3)))
    }

    /// libpng's message in a failed png_image (whose resources libpng has released).
    private static func message(of image: inout png_image) -> String {
        let text = withUnsafeBytes(of: &image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "cannot decode the PNG data" : text
    }
}
