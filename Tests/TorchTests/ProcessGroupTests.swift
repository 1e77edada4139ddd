import Foundation
import Testing
import TestSupport
import Torch

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
            // Both finish connecting first: a peer that left during the rendezvous fails the group's creation
            // instead (seen on a loaded machine), which is not what this test is about.
            try group.barrier()
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
