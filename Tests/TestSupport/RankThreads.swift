// Threads standing in for the processes of a job in the distributed tests of Torch and LTDet: each thread joins
// one Gloo process group on a free port of 127.0.0.1.
import Foundation
import Torch

#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` on `worldSize` threads, each joined to one group on a free port of 127.0.0.1.
public func runRanks<T: Sendable>(
    _ worldSize: Int, timeoutSeconds: Double = 60, _ body: @escaping @Sendable (ProcessGroup) throws -> T
) throws -> [T] {
    let port = try freePort()
    let outcomes = RankOutcomes<T>(count: worldSize)
    let done = DispatchGroup()
    for rank in 0 ..< worldSize {
        done.enter()
        let thread = Thread {
            defer { done.leave() }
            outcomes.set(rank) {
                let group = try ProcessGroup(
                    masterAddress: "127.0.0.1", masterPort: port, rank: rank, worldSize: worldSize,
                    timeoutSeconds: timeoutSeconds)
                return try body(group)
            }
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    done.wait()
    return try outcomes.values()
}

/// What each rank's thread returned or threw.
public final class RankOutcomes<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<T, any Error>?]

    public init(count: Int) { results = Array(repeating: nil, count: count) }

    public func set(_ rank: Int, _ body: () throws -> T) {
        let result = Result { try body() }
        lock.withLock { results[rank] = result }
    }

    public func values() throws -> [T] { try lock.withLock { try results.map { try $0!.get() } } }
}

/// A TCP port of 127.0.0.1 that is free now.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard fd >= 0, bound else { throw TorchError("no free port on 127.0.0.1") }
    return Int(UInt16(bigEndian: address.sin_port))
}
