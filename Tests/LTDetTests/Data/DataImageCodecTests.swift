import Foundation
import Testing
@testable import LTDet
import TestSupport

@Suite struct DataImageCodecTests {
    static func gradient(width: Int = 37, height: Int = 23) -> RGBImage {
        var pixels: [UInt8] = []
        for y in 0 ..< height {
            for x in 0 ..< width { pixels += [UInt8(x * 255 / width), UInt8(y * 255 / height), UInt8((x + y) % 256)] }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    @Test func pngRoundTripIsExact() throws {
        let image = Self.gradient()
        let decoded = try ImageFile.decode(try PNGCodec.encode(image), name: "x.png")
        #expect(decoded == image)
    }

    @Test func jpegRoundTripIsClose() throws {
        let image = Self.gradient(width: 64, height: 48)
        let decoded = try ImageFile.decode(try JPEGCodec.encode(image, quality: 95), name: "x.jpg")
        #expect(decoded.width == 64 && decoded.height == 48)
        let meanError = zip(decoded.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.reduce(0, +) / image.pixels.count
        #expect(meanError < 6)
    }

    @Test func filesRoundTripThroughDisk() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a/b.png").path
        try ImageFile.write(Self.gradient(), to: path)
        #expect(try ImageFile.read(path) == Self.gradient())
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("a").path)
        #expect(leftovers == ["b.png"])
    }

    @Test func missingFileIsNamed() throws {
        #expect(throws: ImageCodecError.fileNotFound(path: "/nonexistent/ltdet/x.jpg")) {
            try ImageFile.read("/nonexistent/ltdet/x.jpg")
        }
    }

    @Test func corruptImagesAreNamed() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let jpeg = try JPEGCodec.encode(Self.gradient(width: 64, height: 64))
        let truncated = directory.appendingPathComponent("truncated.jpg").path
        try Data(jpeg.prefix(jpeg.count / 2)).write(to: URL(fileURLWithPath: truncated))
        let png = try PNGCodec.encode(Self.gradient())
        var damaged = png
        for i in 40 ..< damaged.count - 12 { damaged[i] ^= 0x5A }
        let damagedPath = directory.appendingPathComponent("damaged.png").path
        try Data(damaged).write(to: URL(fileURLWithPath: damagedPath))
        let text = directory.appendingPathComponent("notes.jpg").path
        try "not an image".write(toFile: text, atomically: true, encoding: .utf8)

        for path in [truncated, damagedPath] {
            do {
                _ = try ImageFile.read(path)
                Issue.record("\(path) decoded although corrupt")
            } catch let error as ImageCodecError {
                guard case .corrupt(let named, _) = error else { Issue.record("unexpected \(error)"); continue }
                #expect(named == path)
                #expect(error.description.contains(path))
            }
        }
        #expect(throws: ImageCodecError.unsupportedFormat(path: text)) { try ImageFile.read(text) }
    }
}
