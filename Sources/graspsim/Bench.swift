import ArgumentParser
import EventStore
import Foundation
import GitStore
import Harness
import Nostr
import Scenario
import SimKernel

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print kernel and end-to-end throughput figures (use a release build).")
    @Flag(help: "Print the figures as one JSON object.") var json = false
    @Option(help: "Scenario files or folders for the end-to-end figure.") var scenarios: [String] = [
        "Scenarios/arrival"
    ]
    @Option(name: .customLong("e2e-seeds"), help: "Seeds per scenario for the end-to-end figure.") var e2eSeeds:
        UInt64 = 50
    @Option(help: "The shipped suite, for the suite and per-family figures.") var suite = "Scenarios"
    @Option(name: .customLong("suite-seeds"), help: "Seeds 0..<N of every suite scenario (one job).") var suiteSeeds:
        UInt64 = 20

    func time(_ body: () throws -> Void) rethrows -> Double {
        let clock = ContinuousClock()
        let t0 = clock.now
        try body()
        let d = clock.now - t0
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Seeds 0..<`seeds` of the scenarios under `paths` on one job, no determinism re-runs;
    /// nil when they do not load.
    func oneCoreSweep(_ paths: [String], seeds: UInt64) -> [ScenarioSummary]? {
        let (loaded, errors) = ScenarioLoader.loadAll(paths: paths)
        guard errors.isEmpty, !loaded.isEmpty else { return nil }
        var opts = SweepOptions()
        opts.seeds = seeds
        opts.jobs = 1
        opts.determinismSample = 0
        return Sweep(scenarios: loaded, options: opts).run()
    }

    func run() throws {
        var figures: [(String, Double, String)] = []
        #if DEBUG
            if !json { print("note: this is a debug build; figures are only meaningful from `swift build -c release`") }
        #endif
        // Kernel: no-op timer events over 1,000 pending timers.
        let n: UInt64 = 5_000_000
        var processed: UInt64 = 0
        let tk = time { processed = KernelBench.noOpEvents(events: n) }
        figures.append(
            ("kernel_events_per_sec", Double(processed) / tk, "no-op kernel events per second (1,000 pending timers)"))
        // Timer-heavy: 20 replicas with 1 s / 10 s / 15 s / 60 s periodic timers for 30 simulated days.
        var simulated: SimDuration = 0
        let tt = time { (simulated, _) = KernelBench.timerHeavy(replicas: 20, simulated: Time.day * 30) }
        figures.append(
            (
                "sim_to_wall_ratio", simulated.seconds / tt,
                "simulated seconds per wall second, 20 replicas' periodic timers"
            ))
        // Nostr.
        NostrBench.prepare()
        let signs = 5_000
        let ts = time { _ = NostrBench.sign(count: signs) }
        figures.append(("signs_per_sec", Double(signs) / ts, "BIP-340 event signatures per second (id + sign)"))
        let tv = time { _ = NostrBench.verify(count: signs) }
        figures.append(("verifies_per_sec", Double(signs) / tv, "event validations per second (id + verify)"))
        // Git.
        let commits = 5_000
        let tc = try time { _ = try GitBench.commits(count: commits) }
        figures.append(
            ("commits_per_sec", Double(commits) / tc, "commits (blob + tree + commit) into an in-memory store"))
        // The event store: SQLite (the server's) and the in-memory tables (the simulator's).
        let inserts = 10_000
        let queries = 2_000
        for engine in EventStore.Engine.allCases {
            let suffix = engine == .sqlite ? "" : "." + engine.rawValue
            let name = engine == .sqlite ? "in-memory SQLite" : "the in-memory tables"
            var store: EventStore? = nil
            let ti = try time { store = try EventStoreBench.insert(count: inserts, engine: engine) }
            figures.append(("events_inserted_per_sec" + suffix, Double(inserts) / ti, "events inserted into \(name)"))
            store!.readCache = false
            let tq = try time { _ = try EventStoreBench.query(store!, count: queries) }
            figures.append(
                (
                    "events_queried_per_sec" + suffix, Double(queries) / tq,
                    "NIP-01 filter queries per second (\(name), no read cache)"
                ))
            if engine == .sqlite {
                store!.readCache = true
                let tqc = try time { _ = try EventStoreBench.query(store!, count: queries) }
                figures.append(
                    (
                        "events_queried_cached_per_sec", Double(queries) / tqc,
                        "the same queries with the store's read cache (repeats between writes)"
                    ))
            }
        }
        // End to end: seeds of the arrival scenarios on one job.
        if let sums = oneCoreSweep(scenarios, seeds: e2eSeeds) {
            let seeds = sums.reduce(0) { $0 + $1.seedsRun }
            let wall = sums.reduce(0) { $0 + $1.wallSeconds }
            let sim = sums.reduce(Int64(0)) { $0 + $1.simulatedNanos }
            figures.append(
                (
                    "seeds_per_sec", Double(seeds) / wall,
                    "scenario seeds per second on one core (\(scenarios.joined(separator: ",")))"
                ))
            figures.append(
                ("e2e_sim_to_wall_ratio", Double(sim) / 1e9 / wall, "simulated seconds per wall second in those runs"))
            for s in sums {
                figures.append(
                    ("seeds_per_sec." + s.name, Double(s.seedsRun) / s.wallSeconds, "seeds per second: \(s.name)"))
            }
        }
        // The whole shipped suite on one job over a fixed seed range: runs per second per
        // core, and seeds per second per family (the folder a scenario lives in).
        if suiteSeeds > 0, let sums = oneCoreSweep([suite], seeds: suiteSeeds) {
            let runs = sums.reduce(0) { $0 + $1.seedsRun }
            let wall = sums.reduce(0) { $0 + $1.wallSeconds }
            figures.append(
                (
                    "suite_runs_per_sec", Double(runs) / wall,
                    "runs per second on one core: every scenario of \(suite), seeds 0..<\(suiteSeeds)"
                ))
            var families: [String: (runs: Int, wall: Double)] = [:]
            for s in sums {
                let family = ((s.file as NSString).deletingLastPathComponent as NSString).lastPathComponent
                families[family, default: (0, 0)].runs += s.seedsRun
                families[family, default: (0, 0)].wall += s.wallSeconds
            }
            for (family, f) in families.sorted(by: { $0.key < $1.key }) {
                figures.append(
                    (
                        "family_seeds_per_sec." + family, Double(f.runs) / f.wall,
                        "seeds per second on one core: the \(family) family"
                    ))
            }
            if let slowest = sums.filter({ $0.wallSeconds > 0 }).min(by: {
                Double($0.seedsRun) / $0.wallSeconds < Double($1.seedsRun) / $1.wallSeconds
            }) {
                figures.append(
                    (
                        "slowest_scenario_seeds_per_sec", Double(slowest.seedsRun) / slowest.wallSeconds,
                        "seeds per second on one core of the slowest scenario (\(slowest.name))"
                    ))
            }
        }
        if json {
            print("{" + figures.map { "\"\($0.0)\": \(Int($0.1.rounded()))" }.joined(separator: ", ") + "}")
        } else {
            for (k, v, d) in figures {
                print(k.padding(toLength: 48, withPad: " ", startingAt: 0) + String(format: "%14.0f", v) + "  " + d)
            }
        }
    }
}
