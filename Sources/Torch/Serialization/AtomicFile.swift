import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes a file under a temporary name in the same directory and renames it into place, so readers never
/// see a partial file and an interrupted run leaves the previous file intact.
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
                throw TorchError("rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw TorchError("\(url.path): cannot write (\(error))")
        }
    }

    public static func write(_ data: Data, to path: String) throws {
        try write(data, to: URL(fileURLWithPath: path))
    }

    public static func write(_ text: String, to path: String) throws {
        try write(Data(text.utf8), to: URL(fileURLWithPath: path))
    }
}
