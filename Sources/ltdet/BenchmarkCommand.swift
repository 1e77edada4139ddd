import ArgumentParser

/// `ltdet benchmark ...`: benchmarks that train and evaluate many runs (each subcommand one benchmark).
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "benchmark", abstract: "Run a benchmark of many training runs and write its report.",
        subcommands: [LongTailBenchmarkCommand.self])
}
