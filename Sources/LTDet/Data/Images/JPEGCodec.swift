import CImageCodecs

/// JPEG decoding and encoding through libjpeg-turbo's TurboJPEG API.
public enum JPEGCodec {
    /// Decodes JPEG bytes to RGB. `name` only labels errors.
    public static func decode(_ data: [UInt8], name: String = "<memory>") throws -> RGBImage {
        guard let handle = tjInitDecompress() else {
            throw ImageCodecError.corrupt(path: name, reason: "cannot create a TurboJPEG decompressor")
        }
        defer { tjDestroy(handle) }
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        let headerStatus = data.withUnsafeBufferPointer { buffer in
            tjDecompressHeader3(handle, buffer.baseAddress, UInt(buffer.count),
                                &width, &height, &subsampling, &colorspace)
        }
        guard headerStatus == 0, width > 0, height > 0 else {
            throw ImageCodecError.corrupt(path: name, reason: errorMessage(handle))
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        let status = data.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                tjDecompress2(handle, source.baseAddress, UInt(source.count), target.baseAddress,
                              width, 0, height, Int32(TJPF_RGB.rawValue), 0)
            }
        }
        // A truncated file decodes partially with a warning; training on half-grey images is worse
        // than an error, so only a clean decode is accepted.
        guard status == 0 else {
            throw ImageCodecError.corrupt(path: name, reason: errorMessage(handle))
        }
        return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    /// Encodes RGB as a baseline JPEG with 4:2:0 chroma subsampling.
    public static func encode(_ image: RGBImage, quality: Int = 92, name: String = "<memory>") throws -> [UInt8] {
        guard let handle = tjInitCompress() else {
            throw ImageCodecError.encodingFailed(path: name, reason: "cannot create a TurboJPEG compressor")
        }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>? = nil
        var size: UInt = 0
        let status = image.pixels.withUnsafeBufferPointer { source in
            tjCompress2(handle, source.baseAddress, Int32(image.width), 0, Int32(image.height),
                        Int32(TJPF_RGB.rawValue), &output, &size, Int32(TJSAMP_420.rawValue),
                        Int32(quality), Int32(TJFLAG_ACCURATEDCT))
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            throw ImageCodecError.encodingFailed(path: name, reason: errorMessage(handle))
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    private static func errorMessage(_ handle: tjhandle) -> String {
        guard let message = tjGetErrorStr2(handle) else { return "unknown TurboJPEG error" }
        return String(cString: message)
    }
}
