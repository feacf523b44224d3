import Checks
import Foundation
import Scenario
import SimKernel
import Testing

@testable import Harness

/// A clock set mid-run (a `skew` fault that starts after the start, or any that ends) jumps
/// at once, forward or back. The reference keeps going, and the checks allow for each jump
/// as the simulator applied it (`WorldView.clockAllowance`): no false alarm. Beside a small
/// step, a broken relay is still caught.
@Suite struct SteppedClockTests {
    struct Step: CustomTestStringConvertible, Sendable {
        var path: String
        var node: String
        /// Seconds the clock jumps at 3 min (negative: back).
        var by: Int64
        /// Seconds until it is set back (nil: it stays).
        var lasts: Int64? = nil
        /// Seeds on which the check broke before it allowed for jumps.
        var seeds: [UInt64]
        /// What broke.
        var was: String
        var testDescription: String {
            "\(path): \(node) stepped \(by) s\(lasts.map { " for \($0) s" } ?? "") (was \(was))"
        }
    }

    static func stepped(_ path: String, _ node: String, by: Int64, lasts: Int64? = nil) throws -> Scenario {
        var s = try ScenarioLoader.load(path: repoRoot + "/Scenarios/" + path)
        s.faults.append(
            FaultSpec(
                kind: .skew(node, skew: Time.s(by), driftPPM: 0), timing: .at(Time.min(3)),
                duration: lasts.map { Time.s($0) }, location: .unknown))
        return s
    }

    static let steps: [Step] = [
        Step(path: "arrival/07-deletion-races-push.yaml", node: "relay", by: 120, seeds: [0, 3], was: "early expiry"),
        Step(path: "arrival/06-expiry-and-revival.yaml", node: "relay", by: -120, seeds: [0, 1], was: "late expiry"),
        Step(path: "sync/06-fresh-start.yaml", node: "relay", by: -120, seeds: [0, 1], was: "the sync queue stalled"),
        Step(
            path: "sync/05-rate-limited-and-down.yaml", node: "relay", by: -120, seeds: [0],
            was: "the sync queue stalled 25 min"),
        Step(path: "locks/01-racing-pushes.yaml", node: "relay#1", by: 120, seeds: [1, 2], was: "attempt early"),
        Step(path: "locks/08-long-cycles.yaml", node: "locks", by: 120, seeds: [0, 1], was: "lease-kept-alive"),
        Step(path: "locks/05-holder-crash.yaml", node: "locks", by: -120, seeds: [0], was: "lock-liveness"),
        Step(
            path: "locks/03-lock-service-partition.yaml", node: "locks", by: 30, lasts: 120, seeds: [19],
            was: "lock-liveness at the step back"),
    ]

    /// Scenario expectations are timed and a step moves the times: only invariants are judged.
    @Test(arguments: steps) func steppedClockHolds(_ c: Step) throws {
        let s = try Self.stepped(c.path, c.node, by: c.by, lasts: c.lasts)
        var options = RunOptions()
        options.checkExpectations = false
        for seed in c.seeds {
            let (r, w) = try Runner.runOne(s, seed: seed, options: options)
            w.recycle()
            #expect(r.violations.isEmpty, "seed \(seed): \(r.violations.first?.description ?? "")")
        }
    }

    struct Trip: CustomTestStringConvertible, Sendable {
        var invariant: String
        var path: String
        var node: String
        var by: Int64
        var setting: (String, String)
        var testDescription: String { "\(invariant) trips with \(setting.0) beside a \(by) s step of \(node)" }
    }

    static let trips: [Trip] = [
        Trip(
            invariant: "purgatory-exit-timing", path: "arrival/15-state-never-pushed.yaml", node: "relay", by: 10,
            setting: ("variant.expire_early", "true")),
        Trip(
            invariant: "backoff-schedule", path: "sync/06-fresh-start.yaml", node: "relay", by: -10,
            setting: ("variant.sync_no_fresh_start", "true")),
        Trip(
            invariant: "lock-liveness", path: "locks/03-lock-service-partition.yaml", node: "locks", by: -10,
            setting: ("variant.leak_cycle_lock", "true")),
        // A step allows for itself only in the waits it falls in: two minutes back at 3 min
        // leaves the late attempt after 6 min 40 s judged exactly.
        Trip(
            invariant: "backoff-schedule", path: "sync/06-fresh-start.yaml", node: "relay", by: -120,
            setting: ("variant.sync_no_fresh_start", "true")),
    ]

    @Test(arguments: trips) func brokenRelayIsCaughtBesideAStep(_ c: Trip) throws {
        let s = try Self.stepped(c.path, c.node, by: c.by)
        try expectBrokenVariantCaught(s, c.invariant, setting: c.setting, referenceSeeds: 0..<3, brokenSeeds: 0..<30)
    }

    /// The lease checks' own planted mistakes, beside a 5 s step of the lock service.
    @Test func leaseMistakesAreCaughtBesideAStep() throws {
        let yaml =
            PlantedMistakes.longHolds.replacingOccurrences(of: "name: long-holds", with: "name: stepped-holds")
            + "\nfaults:\n  - { at: 3m, skew: { node: locks, by: 5s } }\n"
        let s = try ScenarioLoader.parse(yaml: yaml, file: "stepped-holds.yaml")
        let planted = PlantedMistakes()
        #expect(try planted.caught(s, .leaseKeptAlive, seeds: 0..<5) { _ in } == nil)
        let rare = try planted.caught(s, .leaseKeptAlive, seeds: 0..<5) { d in
            d.lock.heartbeatHook = TestHook { period in period * 36 / 10 }
        }
        #expect(rare != nil, "heartbeats every 1.2 ttl must break lease-kept-alive")
        let crashed = try ScenarioLoader.parse(
            yaml: yaml.replacingOccurrences(of: "name: stepped-holds", with: "name: stepped-crash")
                + "  - { at: 40s..3m, for: 2m, crash: relay#0 }\n  - { at: 40s..3m, for: 2m, crash: relay#1 }\n",
            file: "stepped-crash.yaml")
        #expect(try planted.caught(crashed, .lockFreedAfterCrash, seeds: 0..<8) { _ in } == nil)
        let outlived = try planted.caught(crashed, .lockFreedAfterCrash, seeds: 0..<8) { d in
            d.lock.leaseTimeHook = TestHook { ttl in ttl * 8 }
        }
        #expect(outlived != nil, "a lease of eight ttls must break lock-freed-after-crash")
    }
}
