import Foundation
import AtomicFileIO

/// Reading and writing image files, choosing the codec from the file's content (reading) or its
/// extension (writing).
public enum ImageFile {
    public static func read(_ path: String) throws -> RGBImage {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            if !FileManager.default.fileExists(atPath: path) { throw ImageCodecError.fileNotFound(path: path) }
            throw ImageCodecError.unreadable(path: path, reason: error.localizedDescription)
        }
        return try decode([UInt8](data), name: path)
    }

    /// Decodes JPEG or PNG bytes, recognised by their signature rather than a file name, because
    /// datasets in the wild contain PNGs named .jpg.
    public static func decode(_ bytes: [UInt8], name: String) throws -> RGBImage {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            return try JPEGCodec.decode(bytes, name: name)
        }
        if bytes.count >= 8, bytes.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            return try PNGCodec.decode(bytes, name: name)
        }
        if bytes.isEmpty { throw ImageCodecError.corrupt(path: name, reason: "empty file") }
        throw ImageCodecError.unsupportedFormat(path: name)
    }

    /// Writes `.jpg`/`.jpeg` or `.png` (by extension) through a temporary file and a rename, so a
    /// crash never leaves a truncated image behind.
    public static func write(_ image: RGBImage, to path: String, jpegQuality: Int = 92) throws {
        let lowered = path.lowercased()
        let bytes: [UInt8]
        if lowered.hasSuffix(".png") {
            bytes = try PNGCodec.encode(image, name: path)
        } else if lowered.hasSuffix(".jpg") || lowered.hasSuffix(".jpeg") {
            bytes = try JPEGCodec.encode(image, quality: jpegQuality, name: path)
        } else {
            throw ImageCodecError.unsupportedFormat(path: path)
        }
        try AtomicFile.write(Data(bytes), to: URL(fileURLWithPath: path))
    }
}
