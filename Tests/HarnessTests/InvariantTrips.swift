import Checks
import Foundation
import Scenario
import SimKernel
import Testing

@testable import Harness

/// The repository root, found from this file.
let repoRoot: String = {
    var url = URL(fileURLWithPath: #filePath)
    while url.path != "/" {
        url.deleteLastPathComponent()
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
    }
    return "."
}()

func arrival(_ file: String) throws -> Scenario {
    try ScenarioLoader.load(path: repoRoot + "/Scenarios/arrival/" + file)
}

/// Runs seeds until one breaks `invariant`; returns that seed's violations.
func firstViolation(_ s: Scenario, _ invariant: String, overrides: [(String, String)], seeds: Range<UInt64> = 0..<30)
    throws -> [Violation]?
{
    #expect(InvariantName(rawValue: invariant) != nil, "the test names an unknown invariant '\(invariant)'")
    for seed in seeds {
        let (r, _) = try Runner.runOne(s, seed: seed, options: RunOptions(overrides: overrides))
        let hits = r.violations.filter { $0.invariant.rawValue == invariant }
        if !hits.isEmpty { return hits }
    }
    return nil
}

/// The reference holds `invariant` on `s` over `referenceSeeds`; the broken setting breaks
/// it on some seed of `brokenSeeds` with a violation that says what and when.
func expectBrokenVariantCaught(
    _ s: Scenario, _ invariant: String, setting: (String, String),
    referenceSeeds: Range<UInt64>, brokenSeeds: Range<UInt64>
) throws {
    #expect(try firstViolation(s, invariant, overrides: [], seeds: referenceSeeds) == nil, "reference must hold")
    let hits = try firstViolation(s, invariant, overrides: [setting], seeds: brokenSeeds)
    #expect(hits != nil, "\(setting.0)=\(setting.1) must break \(invariant)")
    if let v = hits?.first {
        #expect(!v.message.isEmpty)
        #expect(v.time > 0)
    }
}

struct TripCase: CustomTestStringConvertible, Sendable {
    var invariant: String
    var scenario: String
    var setting: String
    var testDescription: String { "\(invariant) trips with \(setting) on \(scenario)" }
}

@Suite struct InvariantsTrip {
    static let cases: [TripCase] = [
        TripCase(
            invariant: "served-has-git-data", scenario: "11-replacement-announcement.yaml",
            setting: "variant.replacement_bypasses_purgatory"),
        TripCase(
            invariant: "refs-match-served-state", scenario: "04-several-states-one-repo.yaml",
            setting: "variant.accept_unauthorized_push"),
        TripCase(
            invariant: "released-when-data-present", scenario: "13-maintainer-copy-promotes.yaml",
            setting: "variant.skip_promoting_copies"),
        TripCase(
            invariant: "late-binding", scenario: "01-announce-state-push.yaml",
            setting: "variant.authorize_from_database_only"),
        TripCase(
            invariant: "late-binding", scenario: "12-peeled-tags-and-noop.yaml", setting: "variant.compare_peeled_refs"),
        TripCase(
            invariant: "late-binding", scenario: "12-peeled-tags-and-noop.yaml", setting: "variant.reject_noop_push"),
        TripCase(
            invariant: "no-acknowledged-loss", scenario: "15-state-never-pushed.yaml",
            setting: "variant.forget_accepted_events"),
        TripCase(
            invariant: "purgatory-exit-timing", scenario: "15-state-never-pushed.yaml", setting: "variant.expire_early"),
        TripCase(
            invariant: "purgatory-exit-timing", scenario: "14-expiry-delete-fails.yaml",
            setting: "variant.soft_expire_on_failed_delete"),
        TripCase(
            invariant: "well-formed-replies", scenario: "02-any-order-arrival.yaml",
            setting: "variant.unprefixed_messages"),
        TripCase(invariant: "purgatory-settles", scenario: "15-state-never-pushed.yaml", setting: "variant.no_expiry"),
        TripCase(
            invariant: "ok-names-sent-event", scenario: "01-announce-state-push.yaml",
            setting: "variant.ok_names_other_event"),
        TripCase(
            invariant: "expectations", scenario: "01-announce-state-push.yaml",
            setting: "variant.authorize_from_database_only"),
    ]

    /// The reference holds the invariant on the scenario; the broken variant breaks it.
    @Test(arguments: cases) func brokenRelayIsCaught(_ c: TripCase) throws {
        try expectBrokenVariantCaught(
            try arrival(c.scenario), c.invariant, setting: (c.setting, "true"),
            referenceSeeds: 0..<10, brokenSeeds: 0..<30)
    }

    /// An event store whose reads fail: the relay reports each failure (the client gets an
    /// `error:` OK), and `store-readable` says so; the same seed holds with a healthy store.
    @Test func storeReadableTripsOnAFailingStore() throws {
        let s = try arrival("01-announce-state-push.yaml")
        var opts = RunOptions()
        opts.beforeRun = { w in w.store.readFailureHook = { $0 == "latest" } }
        let (broken, _) = try Runner.runOne(s, seed: 1, options: opts)
        #expect(
            broken.violations.contains {
                $0.invariant == .storeReadable && $0.message.contains("the event store failed")
            })
        let (ok, _) = try Runner.runOne(s, seed: 1)
        #expect(!ok.violations.contains { $0.invariant == .storeReadable })
    }

    /// A node that keeps arming one-shot timers never lets the world go quiet.
    @Test func quiescenceTripsOnABusyNode() throws {
        final class Busy: SimNode {
            func start(_ ctx: NodeContext) { ctx.setTimer(after: Time.s(1), tag: 0) }
            func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) {}
            func timerFired(_ tag: UInt64, _ ctx: NodeContext) { ctx.setTimer(after: Time.s(1), tag: 0) }
        }
        let s = try arrival("01-announce-state-push.yaml")
        var opts = RunOptions()
        opts.beforeRun = { w in w.sim.addNode(Busy(), name: "busy") }
        let (broken, _) = try Runner.runOne(s, seed: 1, options: opts)
        #expect(broken.violations.contains { $0.invariant.rawValue == "quiescence" })
        let (ok, _) = try Runner.runOne(s, seed: 1)
        #expect(!ok.violations.contains { $0.invariant.rawValue == "quiescence" })
    }
}

@Suite struct Determinism {
    @Test func sameSeedSameHashDifferentSeedsDiffer() throws {
        for file in ["02-any-order-arrival.yaml", "10-lossy-network.yaml"] {
            let s = try arrival(file)
            let a = try Runner.runOne(s, seed: 7).0
            let b = try Runner.runOne(s, seed: 7).0
            let c = try Runner.runOne(s, seed: 8).0
            #expect(a.traceHash == b.traceHash)
            #expect(a.events == b.events)
            #expect(a.traceHash != c.traceHash)
        }
    }

    @Test func firstDivergenceIsFoundForAPerturbedRun() throws {
        let s = try arrival("01-announce-state-push.yaml")
        let outcome = DeterminismCheck.check(seed: 3) { seed in
            try! Runner.runOne(s, seed: seed, options: RunOptions(keepTrace: true)).1.sim.trace
        }
        #expect(outcome.isDeterministic)
        let counter = Counter()
        var opts = RunOptions(keepTrace: true)
        opts.beforeRun = { w in
            w.sim.schedule(at: SimTime.seconds(30), "perturb") { sim in
                sim.trace("perturb", [("n", String(counter.next()))])
            }
        }
        let bad = DeterminismCheck.check(seed: 3) { seed in try! Runner.runOne(s, seed: seed, options: opts).1.sim.trace
        }
        #expect(!bad.isDeterministic)
        #expect(bad.divergence?.first?.kind == "perturb")
    }

    @Test func sweepResultsDoNotDependOnJobCount() throws {
        let scenarios = try ["02-any-order-arrival.yaml", "07-deletion-races-push.yaml"].map(arrival)
        func sweep(_ jobs: Int) -> [ScenarioSummary] {
            var o = SweepOptions()
            o.seeds = 12
            o.jobs = jobs
            o.determinismSample = 0
            return Sweep(scenarios: scenarios, options: o).run()
        }
        let one = sweep(1)
        let two = sweep(2)
        #expect(one.map(\.events) == two.map(\.events))
        #expect(one.map { $0.sampleHashes.map(\.1) } == two.map { $0.sampleHashes.map(\.1) })
        #expect(one.map(\.seedsRun) == [12, 12])
        // Runs are folded in work order whichever thread finished them: the same statistics.
        #expect(one.map(\.metricValues) == two.map(\.metricValues))
        #expect(one.map { $0.coverage } == two.map { $0.coverage })
    }

    @Test func sweepReportsNondeterminismAsItsOwnFailure() throws {
        let s = try arrival("01-announce-state-push.yaml")
        let counter = Counter()
        var o = SweepOptions()
        o.seeds = 3
        o.jobs = 1
        o.determinismSample = 1.0
        o.run.beforeRun = { w in
            w.sim.schedule(at: SimTime.seconds(30), "perturb") { sim in
                sim.trace("perturb", [("n", String(counter.next()))])
            }
        }
        let sums = Sweep(scenarios: [s], options: o).run()
        #expect(sums[0].failures.count == 3)
        #expect(sums[0].failures.allSatisfy { $0.kind == "determinism" })
        // The failure names the first record that differs, not just two hashes.
        #expect(
            sums[0].failures.allSatisfy { $0.violations.first?.message.contains("traces diverge at record") == true })
        #expect(sums[0].failures.allSatisfy { $0.violations.first?.message.contains("perturb") == true })
    }

    @Test func shardsPartitionTheSeeds() {
        var all: [UInt64] = []
        for k in 1...3 {
            var o = SweepOptions()
            o.seeds = 20
            o.seedStart = 5
            o.shard = (k, 3)
            all += o.seedList
        }
        #expect(all.sorted() == Array(5..<25))
    }

    @Test func shardSeedsMatchFilteringTheRange() {
        for start in [0, 1, 5, 17] as [UInt64] {
            for count in [0, 1, 2, 9, 20] as [UInt64] {
                for n in 1...4 {
                    for k in 1...n {
                        var o = SweepOptions()
                        o.seeds = count
                        o.seedStart = start
                        o.shard = (k, n)
                        let want = (start..<(start + count)).filter { Int($0 % UInt64(n)) == k - 1 }
                        #expect(Array(o.seedList) == want, "start \(start) count \(count) shard \(k)/\(n)")
                    }
                }
                var o = SweepOptions()
                o.seeds = count
                o.seedStart = start
                #expect(Array(o.seedList) == Array(start..<(start + count)))
            }
        }
    }
}

/// A thread-safe counter owned by one test (no global state).
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        n += 1
        return n
    }
}

@Suite struct SwarmSettings {
    @Test func swarmIsDeterministicPerSeedAndVariesAcrossSeeds() throws {
        let s = try arrival("01-announce-state-push.yaml")
        let a = Swarm.configure(s, seed: 5).randomFaults
        let b = Swarm.configure(s, seed: 5).randomFaults
        #expect(a == b)
        let kinds = Set((0..<40).map { Swarm.configure(s, seed: UInt64($0)).randomFaults!.kinds })
        #expect(kinds.count > 5)
        for seed in UInt64(0)..<40 {
            let rf = Swarm.configure(s, seed: seed).randomFaults!
            #expect(!rf.kinds.isEmpty && rf.kinds.allSatisfy(Swarm.kinds.contains))
            #expect(rf.end <= s.duration)
        }
        // Swarm schedules carry drawn faults; the plain schedule does not.
        #expect(Runner.schedule(for: s, seed: 3, swarm: false).faults.isEmpty)
        #expect((0..<10).contains { !Runner.schedule(for: s, seed: UInt64($0), swarm: true).faults.isEmpty })
    }

    /// Swarm draws clock steps on some seeds (of replicas, the lock service, actors), and
    /// draws them last: without them a seed's schedule is exactly the one it had before
    /// the kind was added.
    @Test func swarmStepsClocksWithoutShiftingOtherDraws() throws {
        let s = try locks("05-holder-crash.yaml")
        var stepped = 0
        var clocks: Set<String> = []
        for seed in UInt64(0)..<64 {
            let configured = Swarm.configure(s, seed: seed)
            let rf = try #require(configured.randomFaults)
            let schedule = Runner.schedule(for: s, seed: seed, swarm: true)
            let skews = schedule.faults.compactMap { f -> String? in
                if case .skew(let node, _, _) = f.kind { return node } else { return nil }
            }
            clocks.formUnion(skews)
            guard rf.kinds.contains("skew") else {
                #expect(skews.isEmpty)
                continue
            }
            stepped += 1
            #expect(rf.kinds.last == "skew")
            var without = configured
            without.randomFaults?.kinds.removeAll { $0 == "skew" }  // never empty: swarm draws one kind first
            var rng = RandomStreams(seed: seed).stream("schedule")
            let before = materialize(without, rng: &rng)
            #expect(schedule.faults.filter { if case .skew = $0.kind { false } else { true } } == before.faults)
        }
        #expect(stepped > 16 && stepped < 48)
        #expect(clocks.contains("locks") && clocks.contains("alice") && clocks.contains { $0.hasPrefix("relay#") })
    }
}
