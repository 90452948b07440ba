import CJPEG
import CPNG
import Foundation

/// Writes PNG and JPEG files with libpng and libjpeg, for tests that need image files
/// with known pixels.
public enum ImageFiles {
    /// The pixel layouts of `writePNG`.
    public enum PNGLayout {
        case gray, grayAlpha, rgb, rgba
        /// One index byte per pixel into RGB triples.
        case palette([UInt8])

        var bytesPerPixel: Int {
            switch self {
            case .gray, .palette: return 1
            case .grayAlpha: return 2
            case .rgb: return 3
            case .rgba: return 4
            }
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes an 8-bit PNG of `width` x `height` with `pixels` (rows top to bottom,
    /// `layout`'s bytes per pixel, interleaved), creating the folders on the way.
    public static func writePNG(_ path: String, width: Int, height: Int, _ layout: PNGLayout, _ pixels: [UInt8]) throws {
        precondition(pixels.count == width * height * layout.bytesPerPixel, "pixel count")
        try makeFolder(for: path)
        var code: Int32, palette: [UInt8] = []
        switch layout {
        case .gray: code = Int32(CANOPY_PNG_GRAY.rawValue)
        case .grayAlpha: code = Int32(CANOPY_PNG_GRAY_ALPHA.rawValue)
        case .rgb: code = Int32(CANOPY_PNG_RGB.rawValue)
        case .rgba: code = Int32(CANOPY_PNG_RGBA.rawValue)
        case let .palette(entries):
            code = Int32(CANOPY_PNG_PALETTE.rawValue)
            palette = entries
        }
        var message = [CChar](repeating: 0, count: 64)
        let ok = pixels.withUnsafeBytes { px in
            palette.withUnsafeBytes { pal in
                canopy_png_write(
                    path, UInt32(width), UInt32(height), code, px.baseAddress, pal.baseAddress,
                    UInt32(palette.count / 3), &message)
            }
        }
        guard ok != 0 else { throw Failure(description: "\(path): " + text(message)) }
    }

    /// Writes a baseline JPEG (no chroma subsampling) of `width` x `height` with `pixels`
    /// (1 byte per pixel when `gray`, else RGB), at `quality`.
    public static func writeJPEG(
        _ path: String, width: Int, height: Int, gray: Bool = false, _ pixels: [UInt8],
        quality: Int = 95
    ) throws {
        let components = gray ? 1 : 3
        precondition(pixels.count == width * height * components, "pixel count")
        try makeFolder(for: path)
        var message = [CChar](repeating: 0, count: Int(canopy_jpeg_message_length))
        let ok = canopy_jpeg_write(path, UInt32(width), UInt32(height), Int32(components), pixels, Int32(quality), &message)
        guard ok != 0 else { throw Failure(description: "\(path): " + text(message)) }
    }

    private static func makeFolder(for path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private static func text(_ chars: [CChar]) -> String {
        String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
