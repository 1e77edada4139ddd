import AtomicFileIO
import Foundation
import Torch
import Yams

/// The work directory of a training run, laid out as mmdet users expect: `epoch_N`/`iter_N` checkpoints with a
/// `latest` link (see `Checkpoint`), `log.jsonl`, and, written when the run starts, `config.yaml` (the
/// resolved config, what `ltdet print-config` shows) and `environment.json` (LTDet commit, libtorch version,
/// devices, threads, command line). One directory holds one run: a fresh run refuses a directory that holds
/// another, whose log it would extend and whose checkpoints it would mix with (and prune among) its own.
public struct WorkDirectory {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    /// What a run leaves behind; `--overwrite` removes exactly these.
    static func isRunFile(_ name: String) -> Bool {
        let checkpoint = (name.hasPrefix("iter_") || name.hasPrefix("epoch_") || name.hasPrefix("latest."))
            && (name.hasSuffix(".safetensors") || name.hasSuffix(".json"))
        return checkpoint || name.hasSuffix(".results.json")
            || ["log.jsonl", "config.yaml", "environment.json", "losses.png"].contains(name)
    }

    var runFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).filter(Self.isRunFile).sorted()
    }

    /// Whether `path` is the file `name` of this directory (through symbolic links): an input of the run, such as
    /// a config trained from a previous run's `config.yaml`, is never deleted or overwritten.
    func isFile(_ name: String, path: String) -> Bool {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
            == url.appendingPathComponent(name).standardizedFileURL.resolvingSymlinksInPath()
    }

    /// Before a run that does not resume: refuses a directory that holds another run, or with `overwrite`
    /// deletes that run's files (and nothing else; not `config`'s own file).
    public func prepareFreshRun(overwrite: Bool, config: ExperimentConfig) throws {
        let earlier = runFiles.filter { !isFile($0, path: config.file) }
        guard !earlier.isEmpty else { return }
        guard overwrite else {
            throw WorkDirectoryError(
                "\(url.path) holds another run (\(earlier.prefix(4).joined(separator: ", "))\(earlier.count > 4 ? ", ..." : "")): "
                    + "continue it with --resume, replace it with --overwrite, or choose another --work-dir")
        }
        for name in earlier { try FileManager.default.removeItem(at: url.appendingPathComponent(name)) }
    }

    /// Writes `config.yaml` (unless it is the config being run) and `environment.json` (again on a resume: they
    /// describe the latest start).
    public func recordStart(config: ExperimentConfig) throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if !isFile("config.yaml", path: config.file) {
            try AtomicFile.write(Data(try YAMLEncoder().encode(config).utf8), to: url.appendingPathComponent("config.yaml"))
        }
        let environment: [String: Any] = [
            "ltdet_commit": Self.sourceCommit(), "libtorch": Runtime.libtorchVersion, "threads": Runtime.numThreads,
            "cuda_devices": Runtime.cudaDeviceCount, "command": CommandLine.arguments,
            "started": ISO8601DateFormatter().string(from: Date()),
        ]
        try AtomicFile.write(
            try JSONSerialization.data(withJSONObject: environment, options: [.prettyPrinted, .sortedKeys]),
            to: url.appendingPathComponent("environment.json"))
    }

    /// The git commit of the sources this binary was built from, if they are still a git checkout ("unknown"
    /// otherwise), with "-dirty" when they have uncommitted changes.
    static func sourceCommit() -> String {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        func git(_ arguments: [String]) -> String? {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
            process.arguments = ["-C", sources] + arguments
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { return nil }
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { return nil }
            return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let commit = git(["rev-parse", "HEAD"]) else { return "unknown" }
        return git(["status", "--porcelain", "--untracked-files=no"]).map { $0.isEmpty ? commit : commit + "-dirty" } ?? commit
    }
}

public struct WorkDirectoryError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
