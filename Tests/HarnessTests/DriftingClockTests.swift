import Foundation
import Harness
import Scenario
import SimKernel
import Testing

/// Skewed and drifting clocks are a fault the reference survives and the checks judge
/// without false alarms: a relay whose clock runs 0.05 % fast (and 45 s ahead) still
/// hunts on schedule, and the checks measure its waits as its own clock does.
@Suite struct DriftingClockTests {
    static func skewed(_ path: String, _ faults: [FaultKind]) throws -> Scenario {
        var s = try ScenarioLoader.load(path: RangeTests.root + "/Scenarios/" + path)
        for kind in faults {
            s.faults.append(FaultSpec(kind: kind, timing: .at(0), duration: nil, location: .unknown))
        }
        return s
    }

    @Test(arguments: [
        "sync/06-fresh-start.yaml", "sync/05-rate-limited-and-down.yaml", "arrival/06-expiry-and-revival.yaml",
    ])
    func driftingRelayHolds(_ path: String) throws {
        let s = try Self.skewed(path, [.skew("relay", skew: Time.s(45), driftPPM: 500)])
        for seed: UInt64 in 0..<12 {
            let (r, w) = try Runner.runOne(s, seed: seed)
            w.recycle()
            #expect(r.violations.isEmpty, "seed \(seed): \(r.violations.first?.message ?? "")")
        }
    }

    /// Replicas share one purgatory: an entry timed on one replica's clock is swept by
    /// another's. Clocks 40 s apart used to read as an early expiry (half the seeds).
    @Test func replicasWithClocksApartShareAPurgatory() throws {
        let text = try String(
            contentsOfFile: RangeTests.root + "/Scenarios/arrival/15-state-never-pushed.yaml", encoding: .utf8
        )
        .replacingOccurrences(of: "name: state-never-pushed", with: "name: replicas-apart")
        .replacingOccurrences(
            of: "actors: [alice, bob]",
            with: "relays: [ { name: relay, domain: relay.test, replicas: 2 } ]\nactors: [alice, bob]")
        let s = try ScenarioLoader.parse(yaml: text, file: "replicas-apart.yaml")
        for (node, by) in [("relay#0", Time.s(-40)), ("relay#1", Time.s(40))] {
            var apart = s
            apart.faults.append(
                FaultSpec(kind: .skew(node, skew: by, driftPPM: 0), timing: .at(0), duration: nil, location: .unknown))
            for seed: UInt64 in [0, 5] {
                let (r, w) = try Runner.runOne(apart, seed: seed)
                w.recycle()
                #expect(
                    !r.violations.contains { $0.invariant == .purgatoryExitTiming },
                    "\(node) \(Time.format(by)), seed \(seed): \(r.violations.first?.message ?? "")")
            }
        }
    }

    @Test func driftingReplicaAndLockServiceHold() throws {
        let s = try Self.skewed(
            "locks/05-holder-crash.yaml",
            [.skew("locks", skew: Time.s(30), driftPPM: -400), .skew("relay#1", skew: -Time.s(20), driftPPM: 500)])
        for seed: UInt64 in 0..<12 {
            let (r, w) = try Runner.runOne(s, seed: seed)
            w.recycle()
            #expect(r.violations.isEmpty, "seed \(seed): \(r.violations.first?.message ?? "")")
        }
    }
}
