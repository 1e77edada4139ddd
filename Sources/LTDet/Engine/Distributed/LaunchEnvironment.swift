import Torch

/// Where this process stands in a multi-process job, read from PyTorch's launch variables (what torchrun,
/// `torch.distributed.launch` and `ltdet train --nproc` set): RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR,
/// MASTER_PORT. Without WORLD_SIZE (or with 1) the job is a single process.
public struct LaunchEnvironment: Sendable, Equatable {
    public var rank: Int
    public var localRank: Int
    public var worldSize: Int
    public var masterAddress: String
    public var masterPort: Int
    /// torchrun's agent already hosts the TCPStore at MASTER_ADDR:MASTER_PORT; rank 0 must join it, not
    /// start a second one.
    public var agentHostsStore: Bool
    /// torchrun restarts a failed job under the same store; each attempt keeps its keys apart.
    public var restartCount: Int
    /// GLOO_SOCKET_IFNAME: the network interface between the machines (nil: ProcessGroup's default).
    public var networkInterface: String?

    public var isDistributed: Bool { worldSize > 1 }

    public init(
        rank: Int, localRank: Int, worldSize: Int, masterAddress: String, masterPort: Int,
        agentHostsStore: Bool = false, restartCount: Int = 0, networkInterface: String? = nil
    ) {
        self.rank = rank
        self.localRank = localRank
        self.worldSize = worldSize
        self.masterAddress = masterAddress
        self.masterPort = masterPort
        self.agentHostsStore = agentHostsStore
        self.restartCount = restartCount
        self.networkInterface = networkInterface
    }

    /// Reads the launch variables; a malformed or inconsistent one is an error that names it.
    public init(environment: [String: String]) throws {
        func integer(_ name: String, default value: Int) throws -> Int {
            guard let text = environment[name], !text.isEmpty else { return value }
            guard let n = Int(text) else { throw TorchError("\(name)='\(text)' is not an integer") }
            return n
        }
        let worldSize = try integer("WORLD_SIZE", default: 1)
        let rank = try integer("RANK", default: 0)
        guard worldSize >= 1 else { throw TorchError("WORLD_SIZE=\(worldSize) must be at least 1") }
        guard (0 ..< worldSize).contains(rank) else { throw TorchError("RANK=\(rank) outside 0..<WORLD_SIZE=\(worldSize)") }
        let address = environment["MASTER_ADDR"] ?? "127.0.0.1"
        if worldSize > 1, environment["MASTER_PORT"] == nil {
            throw TorchError("WORLD_SIZE=\(worldSize) but MASTER_PORT is not set (where rank 0's store listens)")
        }
        self.init(
            rank: rank, localRank: try integer("LOCAL_RANK", default: rank), worldSize: worldSize,
            masterAddress: address.isEmpty ? "127.0.0.1" : address, masterPort: try integer("MASTER_PORT", default: 29500),
            agentHostsStore: environment["TORCHELASTIC_USE_AGENT_STORE"]?.lowercased() == "true",
            restartCount: try integer("TORCHELASTIC_RESTART_COUNT", default: 0),
            networkInterface: environment["GLOO_SOCKET_IFNAME"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Joins the job's process group (nil for a single process).
    public func makeProcessGroup(timeoutSeconds: Double = 1800) throws -> ProcessGroup? {
        guard isDistributed else { return nil }
        return try ProcessGroup(
            masterAddress: masterAddress, masterPort: masterPort, rank: rank, worldSize: worldSize,
            hostStore: rank == 0 && !agentHostsStore, storePrefix: "ltdet/attempt_\(restartCount)/",
            networkInterface: networkInterface, timeoutSeconds: timeoutSeconds)
    }
}
