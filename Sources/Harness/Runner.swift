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
    /// Kinds drawn from later streams, each its own (`swarm-<kind>`), and drawn last: adding
    /// one left every seed's other kinds, rates and faults as they were.
    static let laterKinds = ["skew"]
    /// Kinds drawn in this order from the seed's `swarm` stream.
    static let firstKinds = FaultKind.randomKinds.filter { !laterKinds.contains($0) }
    public static let kinds = firstKinds + laterKinds

    public static func configure(_ scenario: Scenario, seed: UInt64) -> Scenario {
        var g = RandomStreams(seed: seed).stream("swarm")
        var s = scenario
        var on = firstKinds.filter { _ in g.chance(0.5) }
        if on.isEmpty { on = [firstKinds[Int(g.below(UInt64(firstKinds.count)))]] }
        for kind in laterKinds {
            var own = RandomStreams(seed: seed).stream("swarm-" + kind)
            if own.chance(0.5) { on.append(kind) }
        }
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
    /// Each metric's values over the runs, in memory that does not grow with the seeds.
    public var metricValues: [String: MetricDistribution] = [:]
    /// Each metric over the scenario's runs from a merge of shard reports (their per-run
    /// values are not kept: means and maxima merge exactly, percentiles do not).
    public var mergedMetrics: [String: MetricStats] = [:]
    /// Each metric over the scenario's runs.
    public var metrics: [(MetricName, MetricStats)] {
        if metricValues.isEmpty { return MetricName.all.compactMap { m in mergedMetrics[m.name].map { (m, $0) } } }
        return MetricName.all.compactMap { m in metricValues[m.name].map { (m, $0.stats) } }
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
    public var seedList: ShardSeeds { ShardSeeds(start: seedStart, count: seeds, shard: shard) }
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
