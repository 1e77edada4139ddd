import CImageCodecs

/// PNG decoding and encoding through libpng's simplified API (any PNG colour type in, RGB8 out).
public enum PNGCodec {
    public static func decode(_ data: [UInt8], name: String = "<memory>") throws -> RGBImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let begun = data.withUnsafeBufferPointer { buffer in
            png_image_begin_read_from_memory(&image, buffer.baseAddress, buffer.count)
        }
        guard begun != 0 else { throw ImageCodecError.corrupt(path: name, reason: message(&image)) }
        defer { png_image_free(&image) }
        image.format = UInt32(PNG_FORMAT_RGB)
        let width = Int(image.width), height = Int(image.height)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let finished = pixels.withUnsafeMutableBytes { target in
            png_image_finish_read(&image, nil, target.baseAddress, Int32(width * 3), nil)
        }
        guard finished != 0 else { throw ImageCodecError.corrupt(path: name, reason: message(&image)) }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    public static func encode(_ rgb: RGBImage, name: String = "<memory>") throws -> [UInt8] {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(rgb.width)
        image.height = UInt32(rgb.height)
        image.format = UInt32(PNG_FORMAT_RGB)
        var size = 0
        // The first call only measures; the second writes into a buffer of that size.
        let measured = rgb.pixels.withUnsafeBytes { source in
            png_image_write_to_memory(&image, nil, &size, 0, source.baseAddress, Int32(rgb.width * 3), nil)
        }
        guard measured != 0, size > 0 else { throw ImageCodecError.encodingFailed(path: name, reason: message(&image)) }
        var output = [UInt8](repeating: 0, count: size)
        let written = rgb.pixels.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { target in
                png_image_write_to_memory(&image, target.baseAddress, &size, 0, source.baseAddress,
                                          Int32(rgb.width * 3), nil)
            }
        }
        guard written != 0 else { throw ImageCodecError.encodingFailed(path: name, reason: message(&image)) }
        return Array(output.prefix(size))
    }

    private static func message(_ image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return bytes.isEmpty ? "unknown libpng error" : String(decoding: bytes, as: UTF8.self)
        }
    }
}
