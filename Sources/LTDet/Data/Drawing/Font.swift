import CFreeType
import Foundation

/// A TrueType font rasterised by FreeType into anti-aliased coverage masks, so that plots and pictures carry
/// text people can read (a 5x7 bitmap font made "g" read as "9"). Glyphs are cached per pixel size.
///
/// `Font.standard()` is the font every drawing uses: `$LTDET_FONT` when set, else DejaVu Sans from Debian's
/// fonts-dejavu-core (installed by scripts/setup).
public final class Font: @unchecked Sendable {
    /// One rendered glyph: an 8-bit coverage mask placed relative to the pen position on the baseline.
    struct Glyph {
        let width: Int
        let rows: Int
        /// Offset of the mask's left column from the pen, and of its top row above the baseline.
        let left: Int
        let top: Int
        /// Pen advance in whole pixels.
        let advance: Int
        let coverage: [UInt8]
    }

    /// Where the standard font is looked for when `LTDET_FONT` is not set.
    public static let searchPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    ]

    public let path: String
    // FreeType objects are not thread-safe; every use of the face goes through `lock`.
    private let lock = NSLock()
    private var library: FT_Library?
    private var face: FT_Face?
    private var glyphs: [GlyphKey: Glyph] = [:]
    private var metrics: [Int: (ascent: Int, descent: Int)] = [:]

    private struct GlyphKey: Hashable {
        let scalar: UInt32
        let size: Int
    }

    public init(path: String) throws {
        self.path = path
        guard FT_Init_FreeType(&library) == 0 else { throw FontError.freeType("FT_Init_FreeType failed") }
        let status = FT_New_Face(library, path, 0, &face)
        guard status == 0, face != nil else {
            FT_Done_FreeType(library)
            throw FontError.unreadable(path: path, status: Int(status))
        }
    }

    deinit {
        FT_Done_Face(face)
        FT_Done_FreeType(library)
    }

    private static let standardFont: Result<Font, Error> = Result {
        if let override = ProcessInfo.processInfo.environment["LTDET_FONT"], !override.isEmpty {
            return try Font(path: override)
        }
        guard let path = searchPaths.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw FontError.notFound(searched: searchPaths)
        }
        return try Font(path: path)
    }

    /// The font of every plot and picture (loaded once).
    public static func standard() throws -> Font { try standardFont.get() }

    /// Ascent (above the baseline) and descent (below it) of a line at `size` pixels.
    func lineMetrics(size: Int) -> (ascent: Int, descent: Int) {
        lock.lock()
        defer { lock.unlock() }
        if let known = metrics[size] { return known }
        setSize(size)
        let m = face!.pointee.size.pointee.metrics
        // 26.6 fixed point; rounded outwards so that no glyph pixel falls outside the line box.
        let value = (ascent: (Int(m.ascender) + 63) >> 6, descent: (-Int(m.descender) + 63) >> 6)
        metrics[size] = value
        return value
    }

    func glyph(_ scalar: Unicode.Scalar, size: Int) -> Glyph {
        let key = GlyphKey(scalar: scalar.value, size: size)
        lock.lock()
        defer { lock.unlock() }
        if let cached = glyphs[key] { return cached }
        setSize(size)
        var rendered = Glyph(width: 0, rows: 0, left: 0, top: 0, advance: size / 3, coverage: [])
        // FT_LOAD_RENDER = 1 << 2: load and rasterise to an 8-bit anti-aliased bitmap.
        if FT_Load_Char(face, FT_ULong(scalar.value), 1 << 2) == 0, let slot = face!.pointee.glyph {
            let bitmap = slot.pointee.bitmap
            let width = Int(bitmap.width), rows = Int(bitmap.rows), pitch = Int(bitmap.pitch)
            var coverage = [UInt8](repeating: 0, count: width * rows)
            if let buffer = bitmap.buffer {
                for y in 0..<rows {
                    for x in 0..<width { coverage[y * width + x] = buffer[y * pitch + x] }
                }
            }
            rendered = Glyph(
                width: width, rows: rows, left: Int(slot.pointee.bitmap_left), top: Int(slot.pointee.bitmap_top),
                advance: (Int(slot.pointee.advance.x) + 32) >> 6, coverage: coverage)
        }
        glyphs[key] = rendered
        return rendered
    }

    private func setSize(_ size: Int) {
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(max(size, 1)))
    }
}

public enum FontError: Error, CustomStringConvertible {
    case notFound(searched: [String])
    case unreadable(path: String, status: Int)
    case freeType(String)

    public var description: String {
        switch self {
        case let .notFound(searched):
            return "no font for plot and picture text: none of \(searched.joined(separator: ", ")) exists; "
                + "install fonts-dejavu-core (scripts/setup) or set LTDET_FONT to a .ttf file"
        case let .unreadable(path, status):
            return "LTDET_FONT / font file '\(path)': FreeType cannot open it as a font (error \(status))"
        case let .freeType(message):
            return "FreeType: \(message)"
        }
    }
}
