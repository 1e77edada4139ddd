import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes a file under a temporary name in the same directory and renames it into place, so readers never
/// see a partial file and an interrupted run leaves the previous file intact. Its own module (Foundation
/// only) so that Torch (safetensors) and LTDet's data code (images, annotation files) share it without the
/// data code importing libtorch.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())-\(UInt64.random(in: 0 ... .max))")
        do {
            try data.write(to: tmp)
            // rename(2) replaces the target atomically on the same file system.
            guard rename(tmp.path, url.path) == 0 else {
                throw AtomicFileError(path: url.path, reason: "rename failed: \(String(cString: strerror(errno)))")
            }
        } catch let error as AtomicFileError {
            try? FileManager.default.removeItem(at: tmp)
            throw error
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw AtomicFileError(path: url.path, reason: "\(error)")
        }
    }

    public static func write(_ data: Data, to path: String) throws {
        try write(data, to: URL(fileURLWithPath: path))
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: URL(fileURLWithPath: path))
    }
}

/// A file that could not be written, naming it.
public struct AtomicFileError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String

    public var description: String { "\(path): cannot write (\(reason))" }
}
