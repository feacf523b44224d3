import Checks
import Foundation
import Harness
import Scenario
import SimKernel
import Testing

/// Ranges where a team needs them: a fault's length (`for: lo..hi`) and the lock
/// service's failover time and lag, drawn per seed; a shrunk reproducer stays inside.
@Suite struct RangeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    static func gcPause(pauseFor: String) throws -> Scenario {
        var text = try String(contentsOfFile: root + "/Scenarios/locks/gc-pause.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "for: 45s", with: "for: \(pauseFor)")
        return try ScenarioLoader.parse(yaml: text, file: "gc-pause-ranges.yaml")
    }

    @Test func faultLengthsAreDrawnPerSeedInsideTheirRange() throws {
        let s = try Self.gcPause(pauseFor: "8s..12s")
        #expect(s.faults.allSatisfy { $0.duration == Time.s(8) && $0.durationMax == Time.s(12) })
        var lengths: Set<SimDuration> = []
        for seed in UInt64(0)..<20 {
            for f in Runner.schedule(for: s, seed: seed, swarm: false).faults {
                let d = try #require(f.end) - f.start
                #expect(d >= Time.s(8) && d <= Time.s(12))
                lengths.insert(d)
            }
        }
        #expect(lengths.count > 10, "lengths are drawn, not fixed")
        // The scenario writer keeps the range.
        #expect(ScenarioWriter.yaml(s, schedule: nil).contains("for: 8s..12s"))
    }

    @Test func aFixedLengthDrawsNothing() throws {
        // A fixed `for` takes no draw: the faults start exactly where they start with no
        // `for` at all (so schedules written before ranges existed did not move).
        let fixed = try Self.gcPause(pauseFor: "45s")
        var text = try String(contentsOfFile: Self.root + "/Scenarios/locks/gc-pause.yaml", encoding: .utf8)
        text = text.replacingOccurrences(of: "for: 45s, ", with: "")
        let endless = try ScenarioLoader.parse(yaml: text, file: "gc-pause-no-for.yaml")
        #expect(endless.faults.allSatisfy { $0.duration == nil })
        for seed in UInt64(0)..<5 {
            let a = Runner.schedule(for: fixed, seed: seed, swarm: false)
            let b = Runner.schedule(for: endless, seed: seed, swarm: false)
            #expect(a.faults.map(\.start) == b.faults.map(\.start))
            #expect(a.steps.map(\.time) == b.steps.map(\.time))
        }
        // A ranged `for` does draw: the faults after it start elsewhere.
        let ranged = try Self.gcPause(pauseFor: "40s..50s")
        #expect(
            (0..<5).contains { seed in
                Runner.schedule(for: ranged, seed: UInt64(seed), swarm: false).faults.map(\.start)
                    != Runner.schedule(for: fixed, seed: UInt64(seed), swarm: false).faults.map(\.start)
            })
    }

    @Test func shrunkReproducerKeepsLengthsInsideTheRange() throws {
        let s = try Self.gcPause(pauseFor: "40s..50s")
        let options = RunOptions(overrides: [("fencing", "false")])
        var failing: UInt64? = nil
        for seed in UInt64(0)..<80 {
            let (r, w) = try Runner.runOne(s, seed: seed, options: options)
            w.recycle()
            if r.violations.contains(where: { $0.invariant == .singleWriter }) {
                failing = seed
                break
            }
        }
        let seed = try #require(failing, "no seed of 80 showed two writers without fencing")
        let outcome = try #require(try Shrinker.shrink(s, seed: seed, options: options))
        #expect(!outcome.schedule.faults.isEmpty)
        for f in outcome.schedule.faults {
            let d = try #require(f.end) - f.start
            #expect(d >= Time.s(40) && d <= Time.s(50), "shrunk to \(Time.format(d))")
        }
        // The reproducer carries the setting that made it fail.
        #expect(outcome.yaml.contains("fencing"))
    }

    @Test func failoverTimeAndLagAreDrawnPerSeed() throws {
        let s = try ScenarioLoader.load(path: Self.root + "/Scenarios/locks/04-lock-failover.yaml")
        var times: Set<SimTime> = []
        for seed in UInt64(0)..<6 {
            let (_, w) = try Runner.runOne(
                s, seed: seed,
                options: RunOptions(overrides: [
                    ("lock.failover_at", "1m..2m"),
                    ("lock.failover_lag", "1s..3s"),
                ]))
            w.recycle()
            let failovers = w.history.filter {
                if case .fault(let t) = $0.item { return t.hasPrefix("lock service failover") } else { return false }
            }
            #expect(failovers.count == 1)
            for f in failovers {
                #expect(f.time >= SimTime.minutes(1) && f.time <= SimTime.minutes(2))
                times.insert(f.time)
            }
        }
        #expect(times.count > 1, "the failover time is drawn per seed")
    }
}
