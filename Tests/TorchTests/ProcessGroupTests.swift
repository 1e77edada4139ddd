import Foundation
import Testing
import Torch

#if canImport(Glibc)
import Glibc
#endif

/// The c10d collectives between ranks that run as threads of this process, each with its own TCPStore client
/// and Gloo context on 127.0.0.1: the same code path as separate processes, without spawning any.
@Suite struct ProcessGroupTests {
    @Test func allReduceSumsOverRanksInBucketsOfMixedTypes() throws {
        let results = try runRanks(2) { group in
            let r = Double(group.rank + 1)
            let tensors = [
                try Tensor([Float](repeating: Float(r), count: 300), shape: [3, 100]),
                try Tensor([r, 2 * r]),
                try Tensor([Float(r)]),
            ]
            // 1 KiB buckets: the first tensor fills one alone, the float tail another.
            try group.allReduceSum(tensors, scale: 0.5, bucketBytes: 1024)
            let counts = try Tensor([Int64(group.rank), 7])
            try group.allReduceSum([counts])
            return try tensors.map { try $0.to(.float64).toArray(Double.self) } + [counts.to(.float64).toArray(Double.self)]
        }
        #expect(results[0] == results[1])
        #expect(results[0][0] == [Double](repeating: 1.5, count: 300))
        #expect(results[0][1] == [1.5, 3])
        #expect(results[0][2] == [1.5])
        #expect(results[0][3] == [1, 14])
    }

    @Test func gatherConcatenatesRowsOfUnequalCountsInRankOrder() throws {
        let results = try runRanks(3) { group in
            let rows = group.rank  // rank 0 contributes no rows
            let values = (0 ..< rows * 2).map { Double(10 * group.rank + $0) }
            return try group.gather(try Tensor(values, shape: [rows, 2])).toArray(Double.self)
        }
        #expect(results.allSatisfy { $0 == [10, 11, 20, 21, 22, 23] })
    }

    @Test func broadcastOverwritesWithTheRootsValuesOutsideAutograd() throws {
        let results = try runRanks(2) { group in
            let weight = try Tensor([Float(group.rank), Float(group.rank + 5)]).requiresGrad(true)
            try group.broadcast([weight], root: 1)
            try group.barrier()
            return try weight.toArray(Float.self)
        }
        #expect(results == [[1, 6], [1, 6]])
    }

    @Test func aPeerThatLeavesMakesTheOtherFailNamingItsRank() throws {
        let results = try runRanks(2, timeoutSeconds: 20) { group -> String? in
            if group.rank == 1 { return nil }  // leaves: its group is released when the closure returns
            do {
                try group.allReduceSum([try Tensor([Float(1)])])
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let message = try #require(results[0])
        #expect(message.contains("rank 0 of 2"), "\(message)")
    }
}

/// Runs `body` on `worldSize` threads, each joined to one group on a free port of 127.0.0.1.
func runRanks<T: Sendable>(
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
final class RankOutcomes<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<T, any Error>?]

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ rank: Int, _ body: () throws -> T) {
        let result = Result { try body() }
        lock.withLock { results[rank] = result }
    }

    func values() throws -> [T] { try lock.withLock { try results.map { try $0!.get() } } }
}

/// A TCP port of 127.0.0.1 that is free now.
func freePort() throws -> Int {
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
