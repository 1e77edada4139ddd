import ArgumentParser

/// The options every command that reads an experiment config shares (train, test, demo, predict, print-config).
struct ExperimentOptions: ParsableArguments {
    @Option(help: "Device: cpu, cuda or cuda:N (default: the config's `device`, else CUDA device 0 when there is one, else cpu).")
    var device: String?
    @Option(name: .customLong("set"), parsing: .upToNextOption, help: "Config overrides key.path=value.")
    var overrides: [String] = []
    @Option(help: "Work directory (default: the config's work_dir, else work_dirs/<config name>).")
    var workDir: String?
}
