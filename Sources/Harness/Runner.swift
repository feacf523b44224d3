import Checks
import Foundation
import Scenario
import SimKernel

/// Runs scenarios: one seed, many seeds on parallel jobs, determinism re-checks.
public enum Runner {
    /// The schedule a seed gives a scenario (its own random stream, so network and node
    /// draws never shift it). With `swarm`, the seed also picks which fault kinds are on.
    public static func schedule(for scenario: Scenario, seed: UInt64, swarm: Bool) -> Schedule {
        var s = scenario
        if swarm { s = Swarm.configure(scenario, seed: seed) }
        var rng = RandomStreams(seed: seed).stream("schedule")
        return materialize(s, rng: &rng)
    }

    /// Runs a seed twice with full traces and compares them record by record: the first
    /// diverging record, or nil when the runs are identical.
    public static func determinismCheck(
        _ scenario: Scenario, seed: UInt64, options: RunOptions = RunOptions(),
        swarm: Bool = false
    ) throws -> DeterminismCheck.Outcome {
        var opts = options
        opts.keepTrace = true
        var failure: Error? = nil
        let outcome = DeterminismCheck.check(seed: seed) { s in
            do { return try Runner.runOne(scenario, seed: s, options: opts, swarm: swarm).1.sim.trace } catch {
                failure = error
                return Trace()
            }
        }
        if let failure { throw failure }
        return outcome
    }

    /// One run of one scenario. Throws only for configuration the scenario cannot run with.
    public static func runOne(
        _ scenario: Scenario, seed: UInt64, options: RunOptions = RunOptions(),
        swarm: Bool = false, schedule: Schedule? = nil
    ) throws -> (RunResult, World) {
        let sched = schedule ?? Self.schedule(for: scenario, seed: seed, swarm: swarm)
        var options = options
        if swarm { options.checkExpectations = false }
        let world = try World(scenario: scenario, schedule: sched, seed: seed, options: options)
        return (world.run(), world)
    }
}

/// Swarm testing: per seed, a random subset of fault kinds at random rates.
public enum Swarm {
    public static let kinds = FaultKind.randomKinds

    public static func configure(_ scenario: Scenario, seed: UInt64) -> Scenario {
        var g = RandomStreams(seed: seed).stream("swarm")
        var s = scenario
        var on = kinds.filter { _ in g.chance(0.5) }
        if on.isEmpty { on = [kinds[Int(g.below(UInt64(kinds.count)))]] }
        let end = max(Time.min(1), s.duration - s.quiescenceBound)
        s.randomFaults = RandomFaultSpec(
            kinds: on, perHour: Double(g.int(in: 2...30)), start: 0, end: end,
            minDuration: Time.s(1), maxDuration: Time.s(g.int(in: 5...180)),
            location: SourceLocation.unknown)
        return s
    }
}

/// A failure to report: a seed, the invariants it broke, and how to replay it.
public struct SeedFailure: Sendable {
    public var scenario: String
    public var file: String
    public var seed: UInt64
    public var violations: [Violation]
    public var traceHash: String
    public var kind: String  // "invariant", "determinism", "error"
    public init(scenario: String, file: String, seed: UInt64, violations: [Violation], traceHash: String, kind: String)
    {
        self.scenario = scenario
        self.file = file
        self.seed = seed
        self.violations = violations
        self.traceHash = traceHash
        self.kind = kind
    }
}

public struct ScenarioSummary: Sendable {
    public var name: String
    public var file: String
    public var seedsRun = 0
    /// Seeds the sweep meant to run (more than `seedsRun` when a time budget cut it short).
    public var seedsPlanned = 0
    public var failures: [SeedFailure] = []
    public var wallSeconds: Double = 0
    public var simulatedNanos: Int64 = 0
    public var events: UInt64 = 0
    public var determinismChecks = 0
    /// Invariants checked in this scenario (for junit).
    public var invariants: [InvariantName] = []
    /// In how many runs each situation was created.
    public var coverage: [Situation: Int] = [:]
    /// A few trace hashes (first seeds) for the summary.
    public var sampleHashes: [(UInt64, String)] = []
    /// The configuration the scenario ran with (defaults, its file, `--set`).
    public var effectiveConfig: [EffectiveSetting] = []
    /// Each metric's value in every run, in seed order.
    public var metricValues: [String: [Double]] = [:]
    /// Each metric over the scenario's runs from a merge of shard reports (their per-run
    /// values are not kept: means and maxima merge exactly, percentiles do not).
    public var mergedMetrics: [String: MetricStats] = [:]
    /// Each metric over the scenario's runs.
    public var metrics: [(MetricName, MetricStats)] {
        if metricValues.isEmpty { return MetricName.all.compactMap { m in mergedMetrics[m.name].map { (m, $0) } } }
        return MetricName.all.compactMap { m in metricValues[m.name].map { (m, MetricStats($0)) } }
    }
    public init(name: String, file: String) {
        self.name = name
        self.file = file
    }

    /// Seeds that failed (a seed that broke invariants and was also nondeterministic counts once).
    public var failedSeeds: Int { Set(failures.map(\.seed)).count }
    /// For each broken invariant, how many seeds broke it (sorted by name).
    public var invariantFailureCounts: [(InvariantName, Int)] {
        var seeds: [InvariantName: Set<UInt64>] = [:]
        for f in failures { for v in f.violations { seeds[v.invariant, default: []].insert(f.seed) } }
        return seeds.keys.sorted().map { ($0, seeds[$0]!.count) }
    }
    /// Every invariant some seed broke, sorted.
    public var brokenInvariants: [InvariantName] { Set(failures.flatMap { $0.violations.map(\.invariant) }).sorted() }
}

public struct SweepOptions: Sendable {
    public var seeds: UInt64 = 100
    public var seedStart: UInt64 = 0
    public var jobs = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var shard: (k: Int, n: Int)? = nil
    public var swarm = false
    public var run = RunOptions()
    /// Fraction of passing seeds re-run to compare trace hashes.
    public var determinismSample = 0.05
    public var timeBudget: Double? = nil
    /// Generated workloads: each seed runs the scenario the generator draws for it (the
    /// sweep's scenario list is then one placeholder that names the summary).
    public var generate: GeneratorProfile? = nil
    public init() {}

    /// The seeds this shard runs: seed i belongs to shard (i mod n).
    public var seedList: [UInt64] {
        (seedStart..<(seedStart + seeds)).filter { s in shard.map { Int(s % UInt64($0.n)) == $0.k - 1 } ?? true }
    }
}

/// How far a sweep has come (reported after every run).
public struct SweepProgress: Sendable {
    public var done: Int
    public var total: Int
    /// Runs that failed so far (each run once, whatever it broke).
    public var failingRuns: Int
    /// The scenario of the run that just finished.
    public var scenario: String
    /// Wall-clock seconds since the sweep started.
    public var elapsed: Double
    /// Seconds left at the rate so far (nil before the first run).
    public var eta: Double? { done == 0 ? nil : elapsed / Double(done) * Double(total - done) }
}

public final class Sweep {
    public let scenarios: [Scenario]
    public let options: SweepOptions
    public var progress: ((SweepProgress) -> Void)?
    public init(scenarios: [Scenario], options: SweepOptions) {
        self.scenarios = scenarios
        self.options = options
    }

    private struct Work {
        var scenario: Int
        var seed: UInt64
    }
    /// One finished run, kept until the sweep ends: its metrics as a compact array in
    /// `MetricName.all` order (a dictionary per run would make a sweep's memory grow by
    /// kilobytes per seed).
    private struct Done {
        var result: RunResult?
        var error: String?
        var wall: Double
        var determinism: String??
        var metrics: [Double] = []
    }

    /// Runs every scenario for every seed of this shard. Results do not depend on `jobs`.
    public func run() -> [ScenarioSummary] {
        AllocatorTuning.keepFreedMemory()
        let seeds = options.seedList
        // Seed-major order: a sweep cut short by its time budget has run every scenario
        // for about as many seeds, never all of one scenario and none of the next.
        let work: [Work] = seeds.flatMap { seed in scenarios.indices.map { Work(scenario: $0, seed: seed) } }
        /// What the worker threads share, always under `lock`.
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var finished = 0
            var failures = 0
            var done: [Done?]
            init(count: Int) { done = [Done?](repeating: nil, count: count) }
        }
        let shared = Shared(count: work.count)
        let started = Date()
        let deadline = options.timeBudget.map { started.addingTimeInterval($0) }
        let jobs = max(1, min(options.jobs, work.count))
        let group = DispatchGroup()
        for _ in 0..<jobs {
            let thread = Thread { [self] in
                while true {
                    shared.lock.lock()
                    if let deadline, Date() > deadline {
                        shared.lock.unlock()
                        break
                    }
                    let i = shared.next
                    shared.next += 1
                    shared.lock.unlock()
                    if i >= work.count { break }
                    let d = execute(work[i])
                    shared.lock.lock()
                    shared.done[i] = d
                    shared.finished += 1
                    // A run fails when it broke an invariant, could not run, or gave another
                    // trace hash when re-run; a passing determinism re-check is no failure.
                    let nondeterministic = (d.determinism ?? nil) != nil
                    if d.error != nil || d.result?.passed == false || nondeterministic { shared.failures += 1 }
                    let p = SweepProgress(
                        done: shared.finished, total: work.count, failingRuns: shared.failures,
                        scenario: scenarios[work[i].scenario].name, elapsed: Date().timeIntervalSince(started))
                    shared.lock.unlock()
                    progress?(p)
                }
                group.leave()
            }
            thread.stackSize = 8 << 20
            group.enter()
            thread.start()
        }
        group.wait()
        let done = shared.done

        var summaries = scenarios.map { s in
            var sum = ScenarioSummary(name: s.name, file: s.file)
            sum.seedsPlanned = seeds.count
            // A generated sweep draws each seed's deployment: no one configuration to show.
            if options.generate == nil {
                sum.effectiveConfig = effectiveConfiguration(scenario: s, overrides: options.run.overrides)
            }
            sum.invariants = (s.invariants.isEmpty ? InvariantName.selectable : s.invariants) + [.determinism]
            return sum
        }
        for (i, w) in work.enumerated() {
            guard let d = done[i] else { continue }
            let s = options.generate == nil ? scenarios[w.scenario] : scenario(w.scenario, seed: w.seed)
            summaries[w.scenario].seedsRun += 1
            summaries[w.scenario].wallSeconds += d.wall
            if let r = d.result {
                summaries[w.scenario].simulatedNanos += r.simulatedTime.nanoseconds
                summaries[w.scenario].events += r.events
                for s in r.situations { summaries[w.scenario].coverage[s, default: 0] += 1 }
                for (m, v) in zip(MetricName.all, d.metrics) {
                    summaries[w.scenario].metricValues[m.name, default: []].append(v)
                }
                if summaries[w.scenario].sampleHashes.count < 5 {
                    summaries[w.scenario].sampleHashes.append((w.seed, r.traceHash))
                }
                if !r.passed {
                    summaries[w.scenario].failures.append(
                        SeedFailure(
                            scenario: s.name, file: s.file, seed: w.seed, violations: r.violations,
                            traceHash: r.traceHash, kind: "invariant"))
                }
            }
            if let err = d.error {
                summaries[w.scenario].failures.append(
                    SeedFailure(
                        scenario: s.name, file: s.file, seed: w.seed,
                        violations: [Violation(invariant: .runError, time: 0, node: "harness", message: err)],
                        traceHash: "", kind: "error"))
            }
            if let det = d.determinism {
                summaries[w.scenario].determinismChecks += 1
                if let msg = det {
                    summaries[w.scenario].failures.append(
                        SeedFailure(
                            scenario: s.name, file: s.file, seed: w.seed,
                            violations: [Violation(invariant: .determinism, time: 0, node: "harness", message: msg)],
                            traceHash: d.result?.traceHash ?? "", kind: "determinism"))
                }
            }
        }
        return summaries
    }

    /// Seeds re-checked for determinism: every failing seed and a fixed sample of the rest.
    func sampled(_ seed: UInt64) -> Bool {
        guard options.determinismSample > 0 else { return false }
        var g = SplitMix64(seed: seed ^ 0xD37E_2A11)
        return Double(g.next() >> 11) * 0x1.0p-53 < options.determinismSample
    }

    /// The scenario a work item runs: the listed one, or the one generated for its seed.
    public func scenario(_ index: Int, seed: UInt64) -> Scenario {
        if let profile = options.generate { return WorkloadGenerator.scenario(profile: profile, seed: seed) }
        return scenarios[index]
    }

    /// The placeholder a generated sweep reports under.
    public static func generatedPlaceholder(_ profile: GeneratorProfile) -> Scenario {
        Scenario(name: "generated-\(profile.rawValue)", file: "<generated \(profile.rawValue)>")
    }

    private func execute(_ w: Work) -> Done {
        let s = scenario(w.scenario, seed: w.seed)
        let t0 = Date()
        do {
            let (r, world) = try Runner.runOne(s, seed: w.seed, options: options.run, swarm: options.swarm)
            world.recycle()
            var det: String?? = nil
            if !r.passed || sampled(w.seed) {
                let (again, w2) = try Runner.runOne(s, seed: w.seed, options: options.run, swarm: options.swarm)
                w2.recycle()
                if again.traceHash == r.traceHash {
                    det = .some(nil)
                } else {
                    // Name the first record that differs (two more runs with full traces).
                    let where_ =
                        (try? Runner.determinismCheck(s, seed: w.seed, options: options.run, swarm: options.swarm))?
                        .divergence?.description ?? "no diverging record found on a third and fourth run"
                    det = .some("same seed gave trace hash \(r.traceHash) then \(again.traceHash); \(where_)")
                }
            }
            var kept = r
            kept.metrics = [:]
            // Only failures and the first seeds' hashes are reported: drop the rest.
            let detFailed = (det ?? nil) != nil
            if r.passed, !detFailed, !options.seedList.prefix(5).contains(w.seed) { kept.traceHash = "" }
            return Done(
                result: kept, error: nil, wall: Date().timeIntervalSince(t0), determinism: det,
                metrics: MetricName.all.map { r.metrics[$0.name] ?? 0 })
        } catch {
            return Done(result: nil, error: "\(error)", wall: Date().timeIntervalSince(t0), determinism: nil)
        }
    }
}
