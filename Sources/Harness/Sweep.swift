import Checks
import Foundation
import Scenario
import SimKernel

/// Many runs: every scenario of a list for every seed of a shard, on parallel jobs.
public final class Sweep {
    public let scenarios: [Scenario]
    public let options: SweepOptions
    public var progress: ((SweepProgress) -> Void)?
    /// The seeds whose trace hashes a summary shows (the shard's first five).
    private let sampledHashSeeds: Set<UInt64>
    public init(scenarios: [Scenario], options: SweepOptions) {
        self.scenarios = scenarios
        self.options = options
        sampledHashSeeds = Set(options.seedList.prefix(5))
    }

    private struct Work {
        var scenario: Int
        var seed: UInt64
    }
    /// One finished run, waiting to be folded into its scenario's summary: its metrics as
    /// a compact array in `MetricName.all` order.
    private struct Done {
        /// The scenario that ran (a generated sweep draws one per seed).
        var scenarioName: String
        var scenarioFile: String
        var result: RunResult?
        var error: String?
        var wall: Double
        var determinism: String??
        var metrics: [Double] = []
    }

    /// Runs every scenario for every seed of this shard. Results do not depend on `jobs`:
    /// runs are folded into the summaries in work order, whichever thread finished them.
    /// Only the runs finished ahead of that order wait (about one per job), so a sweep's
    /// memory does not grow with its number of seeds.
    public func run() -> [ScenarioSummary] {
        AllocatorTuning.keepFreedMemory()
        let seeds = options.seedList
        // Seed-major order: a sweep cut short by its time budget has run every scenario
        // for about as many seeds, never all of one scenario and none of the next.
        let perSeed = scenarios.count
        let workCount = seeds.count * perSeed
        @Sendable func work(_ i: Int) -> Work { Work(scenario: i % perSeed, seed: seeds[i / perSeed]) }
        /// What the worker threads share, always under `lock`.
        final class Shared: @unchecked Sendable {
            let lock = NSLock()
            var next = 0
            var finished = 0
            var failures = 0
            /// Finished runs not yet folded, by work index; `folded` is the next index to fold.
            var waiting: [Int: Done] = [:]
            var folded = 0
            var summaries: [ScenarioSummary]
            init(summaries: [ScenarioSummary]) { self.summaries = summaries }
        }
        let shared = Shared(summaries: emptySummaries(seedsPlanned: seeds.count))
        let started = Date()
        let deadline = options.timeBudget.map { started.addingTimeInterval($0) }
        let jobs = max(1, min(options.jobs, workCount))
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
                    if i >= workCount { break }
                    let d = execute(work(i))
                    shared.lock.lock()
                    shared.waiting[i] = d
                    while let ready = shared.waiting.removeValue(forKey: shared.folded) {
                        fold(ready, work(shared.folded), into: &shared.summaries)
                        shared.folded += 1
                    }
                    shared.finished += 1
                    // A run fails when it broke an invariant, could not run, or gave another
                    // trace hash when re-run; a passing determinism re-check is no failure.
                    let nondeterministic = (d.determinism ?? nil) != nil
                    if d.error != nil || d.result?.passed == false || nondeterministic { shared.failures += 1 }
                    let p = SweepProgress(
                        done: shared.finished, total: workCount, failingRuns: shared.failures,
                        scenario: scenarios[i % scenarios.count].name, elapsed: Date().timeIntervalSince(started))
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
        // Every claimed index finished, and claims are a prefix of the work: nothing waits.
        precondition(shared.waiting.isEmpty, "a finished run was never folded into its summary")
        return shared.summaries
    }

    /// Each scenario's summary before any run: its configuration and invariants.
    private func emptySummaries(seedsPlanned: Int) -> [ScenarioSummary] {
        scenarios.map { s in
            var sum = ScenarioSummary(name: s.name, file: s.file)
            sum.seedsPlanned = seedsPlanned
            // A generated sweep draws each seed's deployment: no one configuration to show.
            if options.generate == nil {
                sum.effectiveConfig = effectiveConfiguration(scenario: s, overrides: options.run.overrides)
            }
            sum.invariants = (s.invariants.isEmpty ? InvariantName.selectable : s.invariants) + [.determinism]
            return sum
        }
    }

    /// Adds one finished run to its scenario's summary.
    private func fold(_ d: Done, _ w: Work, into summaries: inout [ScenarioSummary]) {
        let s = (name: d.scenarioName, file: d.scenarioFile)
        summaries[w.scenario].seedsRun += 1
        summaries[w.scenario].wallSeconds += d.wall
        if let r = d.result {
            summaries[w.scenario].simulatedNanos += r.simulatedTime.nanoseconds
            summaries[w.scenario].events += r.events
            for s in r.situations { summaries[w.scenario].coverage[s, default: 0] += 1 }
            for (m, v) in zip(MetricName.all, d.metrics) {
                summaries[w.scenario].metricValues[m.name, default: MetricDistribution()].add(v)
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

    /// The first trace record that differs between two more runs of the seed, with full traces.
    private func firstDivergence(_ s: Scenario, seed: UInt64) -> String {
        (try? Runner.determinismCheck(s, seed: seed, options: options.run, swarm: options.swarm))?
            .divergence?.description ?? "no diverging record found on a third and fourth run"
    }

    private func execute(_ w: Work) -> Done {
        let s = scenario(w.scenario, seed: w.seed)
        let t0 = Date()
        // Nothing reads a sweep run's history afterwards (the report re-runs what it draws).
        var runOptions = options.run
        runOptions.keepHistory = false
        // Only the hashes of failing seeds, of the determinism sample and of the first seeds
        // are read: other runs skip writing and hashing their trace.
        let hashed = sampled(w.seed) || sampledHashSeeds.contains(w.seed)
        runOptions.hashTrace = hashed
        do {
            let (first, world) = try Runner.runOne(s, seed: w.seed, options: runOptions, swarm: options.swarm)
            world.recycle()
            var r = first
            runOptions.hashTrace = true
            var det: String?? = nil
            if !r.passed, !hashed {
                // A failing seed is reported with its hash: run it again, hashing. It must
                // break the same invariants in the same way, or the seed is nondeterministic:
                // then the first run's failure stands (without a hash: it made none) beside a
                // determinism failure naming the first trace record that differs.
                let (again, w2) = try Runner.runOne(s, seed: w.seed, options: runOptions, swarm: options.swarm)
                w2.recycle()
                if again.violations == r.violations {
                    r = again
                } else {
                    let where_ = firstDivergence(s, seed: w.seed)
                    det = .some(
                        "same seed broke other invariants when run again (first run: "
                            + "\(r.violations.first?.description ?? "none"); second run: "
                            + "\(again.violations.first?.description ?? "none")); \(where_)")
                }
            }
            if det == nil, !r.passed || sampled(w.seed) {
                let (again, w2) = try Runner.runOne(s, seed: w.seed, options: runOptions, swarm: options.swarm)
                w2.recycle()
                if again.traceHash == r.traceHash {
                    det = .some(nil)
                } else {
                    // Name the first record that differs (two more runs with full traces).
                    let where_ = firstDivergence(s, seed: w.seed)
                    det = .some("same seed gave trace hash \(r.traceHash) then \(again.traceHash); \(where_)")
                }
            }
            var kept = r
            kept.metrics = [:]
            // Only failures and the first seeds' hashes are reported: drop the rest.
            let detFailed = (det ?? nil) != nil
            if r.passed, !detFailed, !sampledHashSeeds.contains(w.seed) { kept.traceHash = "" }
            return Done(
                scenarioName: s.name, scenarioFile: s.file, result: kept, error: nil,
                wall: Date().timeIntervalSince(t0), determinism: det,
                metrics: MetricName.all.map { r.metrics[$0.name] ?? 0 })
        } catch {
            return Done(
                scenarioName: s.name, scenarioFile: s.file, result: nil, error: "\(error)",
                wall: Date().timeIntervalSince(t0), determinism: nil)
        }
    }
}
