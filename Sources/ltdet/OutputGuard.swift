import ArgumentParser
import Foundation

/// Refuses to write an output onto one of the command's inputs (a results file onto the ground truth, an
/// export onto its checkpoint): the input would be lost before anything noticed.
enum OutputGuard {
    static func refuse(output: String, option: String, inputs: [(option: String, path: String)]) throws {
        let target = URL(fileURLWithPath: output).standardizedFileURL.resolvingSymlinksInPath().path
        for input in inputs where URL(fileURLWithPath: input.path).standardizedFileURL.resolvingSymlinksInPath().path == target {
            throw ValidationError("\(option) \(output) is the \(input.option) input; write the output elsewhere")
        }
    }
}
