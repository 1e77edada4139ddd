// Scratch folders for the tests of Torch and LTDet (LVISKit's tests stand without Torch and clean up their own files). Training tests write hundreds of megabytes of
// checkpoints; left behind, a few hundred test runs filled the disk and failed CI. So every folder of one test
// process lives under one root that is removed when the process exits, and roots whose process is gone (a test
// run killed mid-way) are removed by the next run.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

private let rootPrefix = "ltdet-tests-"

private let scratchRoot: URL = {
    let base = FileManager.default.temporaryDirectory
    removeRootsOfEndedProcesses(in: base)
    let root = base.appendingPathComponent("\(rootPrefix)\(getpid())-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: scratchRoot) }
    return root
}()

private func removeRootsOfEndedProcesses(in base: URL) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { return }
    for name in names where name.hasPrefix(rootPrefix) {
        let rest = name.dropFirst(rootPrefix.count)
        guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]) else { continue }
        if kill(pid, 0) != 0 && errno == ESRCH {
            try? FileManager.default.removeItem(at: base.appendingPathComponent(name))
        }
    }
}

/// A new empty folder, removed with the rest of this test process's scratch when it exits.
public func temporaryDirectory() throws -> URL {
    let url = scratchRoot.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A path for one scratch file (not created), removed with the rest of this test process's scratch.
public func temporaryFile(_ name: String) throws -> URL {
    try temporaryDirectory().appendingPathComponent(name)
}
