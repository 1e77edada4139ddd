import Foundation

/// Writes one line to standard error: what a run tells its user about recoveries (a checkpoint skipped, a stale
/// file removed) without mixing them into the results on standard output.
func reportToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
