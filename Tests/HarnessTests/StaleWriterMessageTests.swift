import Checks
import Foundation
import Harness
import Scenario
import Testing

/// A single-writer violation names the stale writer (the replica that paused past its
/// lease), not the legitimate holder that took the lock after it.
@Suite struct StaleWriterMessageTests {
    @Test func violationNamesThePausedReplica() throws {
        let s = try ScenarioLoader.load(path: RangeTests.root + "/Scenarios/locks/gc-pause.yaml")
        let options = RunOptions(overrides: [("fencing", "false")])
        var checked = 0
        for seed in UInt64(0)..<120 where checked < 3 {
            let (r, w) = try Runner.runOne(s, seed: seed, options: options)
            w.recycle()
            guard let v = r.violations.first(where: { $0.invariant == .singleWriter }) else { continue }
            checked += 1
            #expect(v.message.hasPrefix("\(v.node) (stale"), "\(v.message)")
            // The named replica is one that was paused before the violation.
            let paused = w.history.contains { e in
                if case .fault(let text) = e.item {
                    return e.time < v.time && text.contains("pause") && text.contains(v.node)
                }
                return false
            }
            #expect(paused, "\(v.node) never paused before \(v.time): \(v.message)")
        }
        #expect(checked > 0, "no seed showed two writers without fencing")
    }
}
