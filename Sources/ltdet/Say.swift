import Foundation

/// A console line written at once. print's buffer would hold the lines of a background run until it exits, and
/// put them after lines written directly (the relayed output of child trainings, SideBySideTraining).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
