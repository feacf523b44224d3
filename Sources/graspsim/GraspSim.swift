import ArgumentParser
import Foundation
import Logging
import SimKernel
import Scenario
import Harness
import Relay
import Checks

struct GraspSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graspsim",
        abstract: "Deterministic simulation and conformance harness for GRASP relay/git-hosts.",
        subcommands: [Run.self, Replay.self, Shrink.self, Validate.self, Merge.self, Bench.self, Invariants.self])
}

/// Exit codes of the contract: 0 all held, 1 an invariant failed, 2 bad input.
enum Exit {
    static let held = ExitCode(0)
    static let failed = ExitCode(1)
    static let badInput = ExitCode(2)
}

func stderr(_ s: String) { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }

/// Parses `--set key=value` options.
func parseOverrides(_ sets: [String]) throws -> [(String, String)] {
    try sets.map { s in
        guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
            stderr("error: --set expects key=value, got '\(s)'")
            throw Exit.badInput
        }
        return (String(s[..<eq]), String(s[s.index(after: eq)...]))
    }
}

/// Loads scenarios; prints every error as file:line:column and exits 2 when any.
func loadScenarios(_ paths: [String], overrides: [(String, String)]) throws -> [Scenario] {
    let (scenarios, errors) = ScenarioLoader.loadAll(paths: paths.isEmpty ? ["Scenarios"] : paths)
    var bad = errors.map(\.description)
    for s in scenarios {
        do { _ = try relayConfig(scenario: s, overrides: overrides) } catch { bad.append("\(error)") }
    }
    if !bad.isEmpty {
        for e in Array(Set(bad)).sorted() { stderr(e) }
        throw Exit.badInput
    }
    if scenarios.isEmpty {
        stderr("error: no scenario files (*.yaml) found in \(paths.isEmpty ? "Scenarios" : paths.joined(separator: " "))")
        throw Exit.badInput
    }
    return scenarios
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sweep seeds over scenarios and write a report.")
    @Argument(help: "Scenario files or folders (default: Scenarios/).") var paths: [String] = []
    @Option(help: "Seeds per scenario.") var seeds: UInt64 = 100
    @Option(name: .customLong("seed-start"), help: "First seed.") var seedStart: UInt64 = 0
    @Option(help: "Parallel jobs (default: all cores).") var jobs: Int?
    @Option(help: "Run only shard K of N (K/N, 1-based).") var shard: String?
    @Option(name: .customLong("report-dir"), help: "Folder for reports (a run folder is made inside).") var reportDir = "reports"
    @Flag(help: "Per seed, randomize which fault kinds are enabled and their rates (invariants only: expectations are not checked).") var swarm = false
    @Option(name: .customLong("time-budget"), help: "Stop starting new seeds after this long (e.g. 10m).") var timeBudget: String?
    @Option(name: .customLong("set"), help: "Override configuration: key=value (repeatable).") var sets: [String] = []
    @Option(name: .customLong("determinism-sample"), help: "Share of passing seeds re-run to compare trace hashes.") var determinismSample = 0.05
    @Flag(name: .customLong("no-progress"), help: "Do not draw the progress bar.") var noProgress = false

    func run() throws {
        let overrides = try parseOverrides(sets)
        let scenarios = try loadScenarios(paths, overrides: overrides)
        var opts = SweepOptions()
        opts.seeds = seeds
        opts.seedStart = seedStart
        if let jobs { guard jobs > 0 else { stderr("error: --jobs must be positive"); throw Exit.badInput }; opts.jobs = jobs }
        if let shard {
            let p = shard.split(separator: "/").compactMap { Int($0) }
            guard p.count == 2, p[1] > 0, p[0] >= 1, p[0] <= p[1] else { stderr("error: --shard expects K/N with 1 <= K <= N"); throw Exit.badInput }
            opts.shard = (p[0], p[1])
        }
        if let tb = timeBudget {
            guard let d = DurationText.parse(tb) else { stderr("error: --time-budget expects a duration such as 10m"); throw Exit.badInput }
            opts.timeBudget = Double(d) / 1e9
        }
        opts.swarm = swarm
        opts.determinismSample = determinismSample
        opts.run = RunOptions(overrides: overrides)
        let sweep = Sweep(scenarios: scenarios, options: opts)
        let started = Date()
        let showProgress = !noProgress
        if showProgress {
            let lock = NSLock()
            var last = Date.distantPast
            sweep.progress = { done, total, failures in
                lock.lock(); defer { lock.unlock() }
                let now = Date()
                guard done == total || now.timeIntervalSince(last) > 0.2 else { return }
                last = now
                let width = 30
                let filled = total == 0 ? width : done * width / total
                let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
                FileHandle.standardError.write("\r[\(bar)] \(done)/\(total) runs, \(failures) failing".data(using: .utf8)!)
                if done == total { FileHandle.standardError.write("\n".data(using: .utf8)!) }
            }
        }
        let summaries = sweep.run()
        let wall = Date().timeIntervalSince(started)

        // Table.
        print(pad("scenario", 34) + pad("seeds", 8) + pad("failed", 8) + pad("seeds/s", 10) + "verdict")
        for s in summaries {
            let failed = Set(s.failures.map(\.seed)).count
            let rate = s.wallSeconds > 0 ? Double(s.seedsRun) / s.wallSeconds : 0
            print(pad(s.name, 34) + pad("\(s.seedsRun)", 8) + pad("\(failed)", 8) + pad(String(format: "%.0f", rate), 10)
                  + (failed == 0 ? "held" : "FAILED: " + Set(s.failures.flatMap { $0.violations.map(\.invariant) }).sorted().joined(separator: ", ")))
        }
        let fmt = DateFormatter()
        fmt.dateFormat = "yyyyMMdd-HHmmss"
        fmt.timeZone = TimeZone(identifier: "UTC")
        var runID = fmt.string(from: started)
        if let shard { runID += "-shard" + shard.replacingOccurrences(of: "/", with: "of") }
        let meta = Report.Meta(runID: runID, command: "graspsim run " + CommandLine.arguments.dropFirst(2).joined(separator: " "),
                               seeds: seeds, seedStart: seedStart, shard: shard, swarm: swarm, overrides: overrides,
                               wallSeconds: wall, jobs: opts.jobs)
        // One timeline per failing scenario: re-run its first failing seed with the history kept.
        var details: [Report.FailureDetail] = []
        for s in summaries {
            guard let f = s.failures.first, let sc = scenarios.first(where: { $0.name == s.name }) else { continue }
            let world = try? Runner.runOne(sc, seed: f.seed, options: opts.run, swarm: swarm).1
            details.append(Report.FailureDetail(failure: f, world: world))
        }
        let dir = try Report.write(to: reportDir + "/" + runID, summaries: summaries, details: details, meta: meta)
        let failing = summaries.reduce(0) { $0 + $1.failures.count }
        print("\(summaries.reduce(0) { $0 + $1.seedsRun }) runs in \(String(format: "%.1f", wall)) s; \(failing == 0 ? "all invariants held" : "\(failing) failing runs")")
        print("report: \(dir)/index.html")
        if failing > 0 { throw Exit.failed }
    }

    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
}

func loadOne(_ path: String, overrides: [(String, String)]) throws -> Scenario {
    let s = try loadScenarios([path], overrides: overrides)
    guard s.count == 1 else { stderr("error: \(path) holds \(s.count) scenarios; name one file"); throw Exit.badInput }
    return s[0]
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one seed exactly; print the verdict and the trace hash.")
    @Argument(help: "A scenario file.") var scenario: String
    @Option(help: "The seed.") var seed: UInt64
    @Option(help: "Write the JSON Lines trace to this file.") var trace: String?
    @Flag(help: "The seed was run with --swarm.") var swarm = false
    @Option(name: .customLong("set"), help: "Override configuration: key=value.") var sets: [String] = []
    @Flag(name: .customLong("check-determinism"), help: "Run the seed twice and report the first trace record that differs.")
    var checkDeterminism = false

    func run() throws {
        let overrides = try parseOverrides(sets)
        let sc = try loadOne(scenario, overrides: overrides)
        if checkDeterminism {
            let o = try Runner.determinismCheck(sc, seed: seed, options: RunOptions(overrides: overrides), swarm: swarm)
            print("records: \(o.records)")
            if let d = o.divergence { print("NONDETERMINISTIC: \(d)") } else { print("deterministic: both runs produced identical traces") }
            print("trace-hash: \(o.hashA)")
            if !o.isDeterministic { throw Exit.failed }
            return
        }
        var handle: FileHandle? = nil
        if let trace {
            guard FileManager.default.createFile(atPath: trace, contents: nil),
                  let h = FileHandle(forWritingAtPath: trace) else {
                stderr("error: cannot write the trace file \(trace)")
                throw Exit.badInput
            }
            handle = h
        }
        let schedule = Runner.schedule(for: sc, seed: seed, swarm: swarm)
        var options = RunOptions(overrides: overrides)
        options.checkExpectations = !swarm
        let world = try World(scenario: sc, schedule: schedule, seed: seed, options: options)
        if let handle { world.sim.trace.sink = { r in handle.write((r.jsonLine + "\n").data(using: .utf8)!) } }
        let r = world.run()
        try? handle?.close()
        print("scenario: \(sc.name) seed: \(seed) steps: \(schedule.steps.count) faults: \(schedule.faults.count)")
        print("simulated: \(Time.format(r.simulatedTime)) events: \(r.events) trace records: \(r.traceRecords)")
        for v in r.violations { print("VIOLATION \(v)") }
        print(r.passed ? "verdict: held" : "verdict: FAILED (\(r.violations.count) violations)")
        print("trace-hash: \(r.traceHash)")
        if !r.passed { throw Exit.failed }
    }
}

struct Shrink: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Minimize a failing seed's steps and faults into a standalone reproducer.")
    @Argument(help: "A scenario file.") var scenario: String
    @Option(help: "The failing seed.") var seed: UInt64
    @Option(help: "Where to write the reproducer (default: reports/repro/<name>-seed<S>-min.yaml).") var out: String?
    @Flag(help: "The seed was run with --swarm.") var swarm = false
    @Option(name: .customLong("set"), help: "Override configuration: key=value.") var sets: [String] = []
    @Option(name: .customLong("max-runs"), help: "Give up after this many trial runs.") var maxRuns = 400

    func run() throws {
        let overrides = try parseOverrides(sets)
        let sc = try loadOne(scenario, overrides: overrides)
        guard let o = try Shrinker.shrink(sc, seed: seed, options: RunOptions(overrides: overrides), swarm: swarm, maxRuns: maxRuns) else {
            print("seed \(seed) holds every invariant: nothing to shrink")
            return
        }
        let path = out ?? "reports/repro/\(sc.name)-seed\(seed)-min.yaml"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try o.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        print("invariant: \(o.invariant)")
        print("steps: \(o.before.steps) -> \(o.schedule.steps.count), faults: \(o.before.faults) -> \(o.schedule.faults.count) (\(o.runs) trial runs)")
        for v in o.violations { print("VIOLATION \(v)") }
        print("reproducer: \(path)")
        print("replay: graspsim replay \(path) --seed \(seed)" + overrides.map { " --set \($0.0)=\($0.1)" }.joined())
    }
}

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check scenario files; errors name file:line:column.")
    @Argument(help: "Scenario files or folders (default: Scenarios/).") var paths: [String] = []
    @Option(name: .customLong("set"), help: "Also check these overrides.") var sets: [String] = []
    func run() throws {
        let scenarios = try loadScenarios(paths, overrides: try parseOverrides(sets))
        for s in scenarios { print("ok \(s.file) (\(s.name): \(s.steps.count) steps, \(s.faults.count) faults)") }
    }
}

struct Invariants: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "invariants", abstract: "List invariants and configuration keys.")
    func run() throws {
        print("Invariants:")
        for (n, s) in Checks.InvariantCatalog.all { print("  \(n.padding(toLength: 28, withPad: " ", startingAt: 0)) \(s)") }
        print("\nConfiguration keys (--set key=value, or config: in a scenario):")
        for (k, s) in RelayConfig.keys + DeploymentSettings.keys { print("  \(k.padding(toLength: 40, withPad: " ", startingAt: 0)) \(s)") }
    }
}
