import Testing

@testable import LTDet

/// PyTorch's launch variables, as torchrun and `ltdet train --nproc` set them.
@Suite struct LaunchEnvironmentTests {
    @Test func withoutVariablesTheJobIsOneProcess() throws {
        let launch = try LaunchEnvironment(environment: [:])
        #expect(!launch.isDistributed && launch.rank == 0 && launch.worldSize == 1)
        #expect(try launch.makeProcessGroup() == nil)
    }

    @Test func readsTorchrunsVariablesIncludingItsAgentStore() throws {
        let launch = try LaunchEnvironment(environment: [
            "RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "4", "MASTER_ADDR": "10.0.0.2", "MASTER_PORT": "29501",
            "TORCHELASTIC_USE_AGENT_STORE": "True", "TORCHELASTIC_RESTART_COUNT": "2", "GLOO_SOCKET_IFNAME": "eth1",
        ])
        #expect(
            launch
                == LaunchEnvironment(
                    rank: 3, localRank: 1, worldSize: 4, masterAddress: "10.0.0.2", masterPort: 29501,
                    agentHostsStore: true, restartCount: 2, networkInterface: "eth1"))
    }

    @Test(arguments: [
        (["WORLD_SIZE": "2", "RANK": "2", "MASTER_PORT": "1"], "RANK=2"),
        (["WORLD_SIZE": "two"], "WORLD_SIZE='two'"),
        (["WORLD_SIZE": "2", "RANK": "0"], "MASTER_PORT"),
    ])
    func inconsistentVariablesAreErrorsNamingThem(environment: [String: String], named: String) {
        #expect {
            try LaunchEnvironment(environment: environment)
        } throws: { "\($0)".contains(named) }
    }
}
