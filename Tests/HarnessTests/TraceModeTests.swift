import Scenario
import SimKernel
import Testing

@testable import Harness

/// A sweep writes network trace lines straight into the hash; a replay with records keeps
/// whole records. Both must give one trace hash, or a failing seed would not replay.
@Suite struct TraceModeTests {
    @Test(arguments: ["locks/05-holder-crash.yaml", "arrival/10-lossy-network.yaml"])
    func keepingRecordsDoesNotChangeTheHash(_ file: String) throws {
        let s = try ScenarioLoader.load(path: repoRoot + "/Scenarios/" + file)
        for seed: UInt64 in [1, 2] {
            let bare = try Runner.runOne(s, seed: seed).0
            let (kept, world) = try Runner.runOne(s, seed: seed, options: RunOptions(keepTrace: true))
            #expect(bare.traceHash == kept.traceHash, "\(file) seed \(seed)")
            #expect(bare.traceRecords == kept.traceRecords)
            #expect(world.sim.trace.records.contains { $0.kind == "net.recv" })
        }
    }
}
