import ArgumentParser
import Foundation
import LTDet
import Torch

#if canImport(Glibc)
import Glibc
#endif

/// The multi-process options of `train` and `test` (torchrun's, by their names): `--nproc N` starts the command
/// in N processes of this machine; without it a process started by a launcher (RANK, WORLD_SIZE, MASTER_ADDR,
/// MASTER_PORT set) joins the job those variables describe.
struct LaunchOptions: ParsableArguments {
    @Option(help: "Processes to start on this machine (built-in launcher, like torchrun --nproc-per-node).")
    var nproc: Int?
    @Option(help: "Machines in the job (with --nproc, --node-rank, --master-addr, --master-port).") var nnodes = 1
    @Option(help: "This machine's index among --nnodes.") var nodeRank = 0
    @Option(help: "Address of the machine of rank 0 (its TCPStore).") var masterAddr = "127.0.0.1"
    @Option(help: "Port of rank 0's TCPStore (default with one machine: a free port).") var masterPort: Int?

    /// Set by the launcher in the processes it starts, which then run the command instead of launching again.
    static let launchedMarker = "LTDET_LAUNCHED"

    /// With `--nproc` in the process the user started: runs this command line in the processes, waits for
    /// them and returns true. Otherwise returns false: this process does the work.
    func launchIfRequested() throws -> Bool {
        guard let nproc, ProcessInfo.processInfo.environment[Self.launchedMarker] == nil else { return false }
        setenv(Self.launchedMarker, "1", 1)
        try ProcessLauncher(
            processesPerNode: nproc, nodes: nnodes, nodeRank: nodeRank, masterAddress: masterAddr, masterPort: masterPort
        ).run(arguments: Array(CommandLine.arguments.dropFirst()))
        return true
    }

    /// The group this process belongs to, from the launcher's environment (nil: a process of its own).
    func joinProcessGroup() throws -> ProcessGroup? {
        try LaunchEnvironment(environment: ProcessInfo.processInfo.environment).makeProcessGroup()
    }
}
