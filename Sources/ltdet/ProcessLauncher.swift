import ArgumentParser
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `ltdet train --nproc N`: starts N copies of this command on this machine with PyTorch's launch variables
/// (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), as torchrun does, and waits for them. When one
/// exits with a failure the others are stopped and the launcher fails naming that rank, so a dead process
/// never leaves the job hanging.
struct ProcessLauncher {
    var processesPerNode: Int
    var nodes: Int
    var nodeRank: Int
    var masterAddress: String
    /// nil: a free port of this machine (single node only).
    var masterPort: Int?

    /// Runs `arguments` (the command line without the launcher's options) in every local process.
    func run(arguments: [String]) throws {
        guard processesPerNode >= 1, nodes >= 1, (0 ..< nodes).contains(nodeRank) else {
            throw ValidationError("--nproc \(processesPerNode), --nnodes \(nodes), --node-rank \(nodeRank): need nproc >= 1 and 0 <= node-rank < nnodes")
        }
        guard nodes == 1 || masterPort != nil else {
            throw ValidationError("--nnodes \(nodes) needs --master-port (every machine must name the same port)")
        }
        let port = try masterPort ?? Self.freePort()
        let worldSize = processesPerNode * nodes
        var base = ProcessInfo.processInfo.environment
        // The cores are shared: without a setting, each process takes its share instead of all of them.
        if base["LTDET_NUM_THREADS"] == nil {
            base["LTDET_NUM_THREADS"] = String(max(1, ProcessInfo.processInfo.activeProcessorCount / processesPerNode))
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var children: [(rank: Int, process: Process)] = []
        let finished = DispatchSemaphore(value: 0)
        // SIGINT/SIGTERM to the launcher (a scheduler's cancel, `kill`) reaches the processes too, as torchrun
        // forwards it: without this they would train on, orphaned, and keep writing the work directory.
        let signals = SignalForwarder()
        defer { signals.stop() }
        for local in 0 ..< processesPerNode {
            var environment = base
            let rank = nodeRank * processesPerNode + local
            environment["RANK"] = String(rank)
            environment["LOCAL_RANK"] = String(local)
            environment["WORLD_SIZE"] = String(worldSize)
            environment["LOCAL_WORLD_SIZE"] = String(processesPerNode)
            environment["MASTER_ADDR"] = masterAddress
            environment["MASTER_PORT"] = String(port)
            let process = Process()
            process.executableURL = executable
            process.arguments = arguments
            process.environment = environment
            process.terminationHandler = { _ in finished.signal() }
            try process.run()
            children.append((rank, process))
            signals.forward(to: process)
        }
        var failure: String?
        for _ in children {
            finished.wait()
            if failure == nil, let failed = children.first(where: { !$0.process.isRunning && $0.process.terminationStatus != 0 }) {
                failure = "rank \(failed.rank) of \(worldSize) exited with \(Self.describe(failed.process))"
                for other in children where other.process.isRunning { other.process.terminate() }
            }
        }
        if let received = signals.received {
            throw LaunchError(message: "stopped by signal \(received), which the \(children.count) local processes were sent too")
        }
        if let failure { throw LaunchError(message: failure + "; the other local processes were stopped") }
    }

    private static func describe(_ process: Process) -> String {
        process.terminationReason == .uncaughtSignal
            ? "signal \(process.terminationStatus)" : "status \(process.terminationStatus)"
    }

    /// A TCP port of 127.0.0.1 that is free now (the kernel's pick; torchrun does the same).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LaunchError(message: "cannot open a socket to find a free port") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw LaunchError(message: "cannot bind a socket to find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Catches SIGINT and SIGTERM while the launcher waits and sends them on to its processes. A handler, not
/// SIG_IGN: an ignored signal stays ignored in the processes started after it, which could then not be stopped.
final class SignalForwarder: @unchecked Sendable {
    private let queue = DispatchQueue(label: "ltdet.launcher.signals")
    private var sources: [DispatchSourceSignal] = []
    private var processes: [Process] = []
    private var receivedSignal: Int32?

    init() {
        for number in [SIGINT, SIGTERM] {
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [unowned self] in
                receivedSignal = number
                for process in processes where process.isRunning { kill(process.processIdentifier, number) }
            }
            source.resume()
            sources.append(source)
        }
    }

    func forward(to process: Process) { queue.sync { processes.append(process) } }

    var received: Int32? { queue.sync { receivedSignal } }

    func stop() { queue.sync { for source in sources { source.cancel() } } }
}

struct LaunchError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
