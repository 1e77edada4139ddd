// A libtorch-free driver of LVISKit for the benchmark: the same code as `ltdet eval`, compiled with the
// LVISKit sources into one small executable (run.sh builds it with swiftc), so that the figures also show
// LVISKit without the ~0.5 s CPU that loading libtorch costs every `ltdet` process.
//
//     lviskit-eval GT.json RESULTS.json bbox|segm [lvis|coco]
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 4, let iouType = IoUType(rawValue: arguments[3]) else {
    FileHandle.standardError.write(Data("usage: lviskit-eval GT.json RESULTS.json bbox|segm [lvis|coco]\n".utf8))
    exit(2)
}
do {
    let start = Date()
    let gt = try LVISDataset.load(path: arguments[1])
    let results = try DetectionResults.load(path: arguments[2])
    let loaded = Date()
    let style = arguments.count > 4 ? EvaluationStyle(rawValue: arguments[4]) ?? .lvis : (gt.hasLVISFields ? .lvis : .coco)
    let summary = try LVISEvaluator(groundTruth: gt, results: results, iouType: iouType, style: style).evaluate()
    let done = Date()
    print(summary.table)
    FileHandle.standardError.write(Data(String(
        format: "[lviskit-eval] loading: %.2f s\n[lviskit-eval] evaluation: %.2f s\n",
        loaded.timeIntervalSince(start), done.timeIntervalSince(loaded)).utf8))
} catch {
    FileHandle.standardError.write(Data("lviskit-eval: \(error)\n".utf8))
    exit(1)
}
