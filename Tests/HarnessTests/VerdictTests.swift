import Checks
import Foundation
import Scenario
import SimKernel
import Testing

@testable import Harness

/// Verdicts a user can trust: each test here failed on the code before its fix.
@Suite struct TrustworthyVerdicts {
    /// A passing determinism re-check is no failure: the progress count of a clean sweep
    /// that re-checks every seed stays at zero.
    @Test func progressCountsOnlyFailingRuns() throws {
        var opts = SweepOptions()
        opts.seeds = 6
        opts.jobs = 2
        opts.determinismSample = 1
        let sweep = Sweep(scenarios: [try arrival("01-announce-state-push.yaml")], options: opts)
        final class Last: @unchecked Sendable {
            var value: SweepProgress?
            let lock = NSLock()
        }
        let last = Last()
        sweep.progress = { p in
            last.lock.lock()
            if p.done == p.total { last.value = p }
            last.lock.unlock()
        }
        let summaries = sweep.run()
        #expect(summaries[0].determinismChecks == 6)
        #expect(summaries[0].failedSeeds == 0)
        let p = try #require(last.value)
        #expect(p.failingRuns == 0)
        #expect(p.scenario == "announce-state-push")
    }

    /// `head:` and `refs:` on a replicated relay judge what a client observes, not a
    /// maintenance cycle's temporary HEAD (before the fix about one seed in five failed).
    @Test func replicatedHeadExpectationHasNoFalseAlarm() throws {
        let s = try locks("10-replicated-ordinary-flow.yaml")
        var failed: [UInt64] = []
        for seed in UInt64(0)..<100 {
            let (r, w) = try Runner.runOne(s, seed: seed)
            w.recycle()
            if !r.passed { failed.append(seed) }
        }
        #expect(failed.isEmpty, "failing seeds: \(failed)")
    }

    /// Settling never hides a real problem: with advertisements unserialized (SPEC §8.7)
    /// the replicated flow's clients still see the work branch, and `head-is-default` says so.
    @Test func settlingKeepsHeadIsDefaultSharp() throws {
        let s = try locks("07-clones-during-cycles.yaml")
        let hits = try firstViolation(s, "head-is-default", overrides: [("variant.unserialized_advertisement", "true")])
        #expect(hits != nil)
    }

    /// An unknown invariant name in a scenario is a file:line error with a suggestion.
    @Test func unknownInvariantNameIsAnError() throws {
        let yaml = """
            name: typo
            actors: [alice]
            invariants: [singel-writer, quiescence]
            """
        do {
            _ = try ScenarioLoader.parse(yaml: yaml, file: "typo.yaml")
            Issue.record("a misspelled invariant validated")
        } catch let e as ScenarioErrors {
            let text = e.description
            #expect(text.contains("typo.yaml:3:"))
            #expect(text.contains("unknown invariant 'singel-writer'; did you mean 'single-writer'?"))
        }
        // `determinism` is judged by sweeps, never selectable in a scenario.
        #expect(throws: ScenarioErrors.self) {
            try ScenarioLoader.parse(yaml: "name: d\nactors: [a]\ninvariants: [determinism]\n", file: "d.yaml")
        }
    }

    /// junit.xml has a failing case for everything a seed broke, even outside the
    /// scenario's invariant list (a run error, say), and a skipped case for a scenario a
    /// time budget never reached.
    @Test func junitNeverDropsAFailure() throws {
        var sum = ScenarioSummary(name: "s", file: "s.yaml")
        sum.invariants = [.quiescence, .determinism]
        sum.seedsRun = 3
        sum.seedsPlanned = 3
        sum.failures = [
            SeedFailure(
                scenario: "s", file: "s.yaml", seed: 2,
                violations: [Violation(invariant: .runError, time: 0, node: "harness", message: "boom")],
                traceHash: "", kind: "error")
        ]
        var notRun = ScenarioSummary(name: "t", file: "t.yaml")
        notRun.invariants = [.quiescence]
        notRun.seedsPlanned = 3
        let meta = Report.Meta(
            runID: "r", command: "c", seeds: 3, seedStart: 0, shard: nil, swarm: false,
            overrides: [], wallSeconds: 1, jobs: 1, timeBudget: "1s")
        let xml = Report.junitXML([sum, notRun], meta: meta)
        #expect(xml.contains("name=\"error\""))
        #expect(xml.contains("<failure message=\"1 of 3 seeds: boom\""))
        #expect(xml.contains("tests=\"4\" failures=\"1\" skipped=\"1\""))
        let json = Report.summaryJSON([sum, notRun], meta: meta)
        #expect(json.contains("\"verdict\": \"not run\""))
        #expect(json.contains("\"failed_seeds_by_invariant\": {\"error\": 1}"))
    }

    /// A violation's identity keeps the expectation and the kind of message, not the
    /// particulars.
    @Test func violationIdentity() {
        let a = Violation(
            invariant: .expectations, time: 0, node: "scenario",
            message: "x.yaml:30:5: expected HEAD refs/heads/main in web; found refs/heads/graspsim-maintenance")
        let b = Violation(
            invariant: .expectations, time: 0, node: "scenario",
            message: "x.yaml:30:5: expected HEAD of web; the repository does not exist")
        let c = Violation(
            invariant: .singleWriter, time: 0, node: "relay#1",
            message: "storage accepted fencing token 7 from relay#1 for abc after token 9 from relay#0 at 12m03.250s")
        let d = Violation(
            invariant: .singleWriter, time: 0, node: "relay#0",
            message: "storage accepted fencing token 12 from relay#0 for abc after token 13 from relay#2 at 1.5s")
        #expect(a.identity != b.identity)
        #expect(c.identity == d.identity)
    }
}

@Suite struct ShrinkingKeepsTheFailure {
    /// Shrinking a failing expectation keeps that expectation failing the same way; it
    /// never drifts to another message of the same invariant. (Before, dropping the
    /// announcement made "expected HEAD …; found …" into "the repository does not exist",
    /// and the reproducer kept no step at all.)
    @Test func shrunkExpectationFailsTheSameWay() throws {
        let s = try ScenarioLoader.parse(
            yaml: """
                name: wrong-head
                duration: 40m
                actors: [alice]
                repos:
                  - { name: web, owner: alice, commits: [ { name: c1 } ] }
                steps:
                  - { id: ann, at: 0s, actor: alice, announce: web }
                  - { id: st, at: 5s, actor: alice, state: { repo: web, refs: { refs/heads/main: c1 }, head: refs/heads/main } }
                  - { id: push, at: 10s, actor: alice, push: { repo: web, refs: { refs/heads/main: c1 } } }
                expect:
                  - head: { repo: web, equals: refs/heads/trunk }
                """, file: "wrong-head.yaml")
        let (r, _) = try Runner.runOne(s, seed: 3)
        let first = try #require(r.violations.first)
        #expect(first.message.contains("found refs/heads/main"))
        let out = try #require(try Shrinker.shrink(s, seed: 3, maxRuns: 80))
        #expect(out.identity == first.identity)
        #expect(out.schedule.steps.contains { $0.step.id == "ann" })
        let reparsed = try ScenarioLoader.parse(yaml: out.yaml, file: "repro.yaml")
        let (again, _) = try Runner.runOne(reparsed, seed: 3, options: RunOptions())
        #expect(
            again.violations.contains { $0.identity == first.identity },
            "reproducer failed with: \(again.violations.map(\.description))")
    }

    /// A reproducer carries the `--set` overrides it was shrunk under in its `config:`,
    /// so it fails when replayed with no flags.
    @Test func reproducerCarriesOverrides() throws {
        let s = try locks("gc-pause.yaml")
        let opts = RunOptions(overrides: [("fencing", "false")])
        var failing: UInt64? = nil
        for seed in UInt64(0)..<40 {
            let (r, _) = try Runner.runOne(s, seed: seed, options: opts)
            if r.violations.contains(where: { $0.invariant == .singleWriter }) {
                failing = seed
                break
            }
        }
        let seed = try #require(failing)
        let out = try #require(try Shrinker.shrink(s, seed: seed, options: opts, maxRuns: 40))
        #expect(out.scenario.config.contains { $0.key == "fencing" && $0.value == "false" })
        let reparsed = try ScenarioLoader.parse(yaml: out.yaml, file: "repro.yaml")
        #expect(reparsed.config.contains { $0.key == "fencing" && $0.value == "false" })
        let (again, _) = try Runner.runOne(reparsed, seed: seed, options: RunOptions())
        #expect(again.violations.contains { $0.invariant == .singleWriter })
    }

    /// A seed that holds has nothing to shrink.
    @Test func holdingSeedHasNothingToShrink() throws {
        let s = try arrival("01-announce-state-push.yaml")
        #expect(try Shrinker.shrink(s, seed: 1, maxRuns: 5) == nil)
    }
}

@Suite struct TraceAndTime {
    /// Every JSON Lines record parses with each key once: the record type and an event's
    /// `kind` field do not collide.
    @Test func jsonLineKeysAreUnique() throws {
        let r = TraceRecord(
            time: SimTime.seconds(3), node: "relay", kind: "relay.event", fields: [("kind", "30617"), ("id", "ab")])
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.jsonLine.utf8)) as? [String: Any])
        #expect(obj["record"] as? String == "relay.event")
        #expect((obj["fields"] as? [String: String])?["kind"] == "30617")
        #expect(obj["kind"] == nil)
        #expect(Set(["t", "at", "node", "record", "fields"]) == Set(obj.keys))
    }

    /// What reports, traces and messages print parses back as a scenario duration, exactly.
    @Test func printedTimesParseBack() {
        #expect(DurationText.parse("12m03.250s") == Time.min(12) + Time.s(3) + Time.ms(250))
        #expect(DurationText.parse("1.5s") == Time.ms(1500))
        #expect(DurationText.parse("1.500000000000000000000d") == Time.day * 3 / 2)
        #expect(DurationText.parse("1h02m00.000s") == Time.hour + Time.min(2))
        #expect(DurationText.parse("0.0000000001s") == nil)  // not whole nanoseconds
        #expect(DurationText.parse("1.s") == nil)
        var g = SplitMix64(seed: 7)
        for _ in 0..<20_000 {
            let t = Time.ns(Int64(bitPattern: g.next() >> UInt64(g.next() % 40 + 1)) * (g.next() % 2 == 0 ? 1 : -1))
            #expect(DurationText.parse(Time.format(t), allowNegative: true) == t, "\(t) printed as \(Time.format(t))")
        }
        for t: SimDuration in [0, 1, 999, Time.ms(450), Time.s(1) + 1, Time.day * 3 + 17] {
            #expect(DurationText.parse(Time.format(t)) == t)
        }
    }
}

@Suite struct SwarmRegressions {
    /// A crash loses a waiting PR event, its git data then arrives first as a placeholder:
    /// the placeholder has a deadline of its own (one ttl from its creation), not the lost
    /// entry's. These seeds were false `purgatory-exit-timing` alarms.
    @Test(arguments: [UInt64(338), 369, 704, 788]) func gitFirstPRAfterCrashHolds(seed: UInt64) throws {
        let s = try arrival("03-git-first-pr.yaml")
        let (r, w) = try Runner.runOne(s, seed: seed, swarm: true)
        w.recycle()
        #expect(r.passed, "\(r.violations.map(\.description))")
    }
}

@Suite struct NoCheckSilentlyDropped {
    /// An `expect:` list that the `invariants:` list would leave unjudged is an error.
    @Test func expectationsLeftOutOfInvariantsIsAnError() throws {
        let yaml = """
            name: unjudged
            actors: [alice]
            repos: [ { name: web, owner: alice, commits: [ { name: c1 } ] } ]
            steps: [ { id: ann, at: 0s, actor: alice, announce: web } ]
            expect: [ { served: ann } ]
            invariants: [quiescence]
            """
        do {
            _ = try ScenarioLoader.parse(yaml: yaml, file: "unjudged.yaml")
            Issue.record("an unjudged expect: list validated")
        } catch let e as ScenarioErrors {
            #expect(e.description.contains("unjudged.yaml:6:13: error: 'invariants' leaves out 'expectations'"))
        }
        let fixed = yaml.replacingOccurrences(of: "[quiescence]", with: "[quiescence, expectations]")
        #expect(throws: Never.self) { try ScenarioLoader.parse(yaml: fixed, file: "judged.yaml") }
    }
}
