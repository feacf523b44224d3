import ArgumentParser
import Checks
import Foundation
import Harness
import Logging
import Relay
import Scenario
import SimKernel

@main
struct GraspSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graspsim",
        abstract: "Deterministic simulation and conformance harness for GRASP relay/git-hosts.",
        subcommands: [
            Run.self, Replay.self, Shrink.self, Validate.self, Merge.self, Bench.self, Invariants.self,
            Serve.self, Hook.self, Conform.self, Metrics.self,
        ])
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
    for s in scenarios { bad += configErrors(scenario: s, overrides: overrides) }
    if !bad.isEmpty {
        // Every error once (a bad --set is reported once, not once per scenario).
        var seen = Set<String>()
        for e in bad where seen.insert(e).inserted { stderr(e) }
        throw Exit.badInput
    }
    if scenarios.isEmpty {
        stderr(
            "error: no scenario files (*.yaml) found in \(paths.isEmpty ? "Scenarios" : paths.joined(separator: " "))")
        throw Exit.badInput
    }
    return scenarios
}

func loadOne(_ path: String, overrides: [(String, String)]) throws -> Scenario {
    let s = try loadScenarios([path], overrides: overrides)
    guard s.count == 1 else {
        stderr("error: \(path) holds \(s.count) scenarios; name one file")
        throw Exit.badInput
    }
    return s[0]
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one seed exactly; print the verdict and the trace hash.")
    @Argument(help: "A scenario file.") var scenario: String
    @Option(help: "The seed.") var seed: UInt64
    @Option(help: "Write the JSON Lines trace to this file.") var trace: String?
    @Option(
        help:
            "With --trace, write only these roles or nodes (comma-separated: relay, client, locks, remote, sim, or a node name)."
    )
    var only: String?
    @Flag(help: "The seed was run with --swarm.") var swarm = false
    @Option(name: .customLong("set"), help: "Override configuration: key=value.") var sets: [String] = []
    @Flag(
        name: .customLong("check-determinism"),
        help: "Run the seed twice and report the first trace record that differs.")
    var checkDeterminism = false

    func run() throws {
        let overrides = try parseOverrides(sets)
        let sc = try loadOne(scenario, overrides: overrides)
        if checkDeterminism {
            let o = try Runner.determinismCheck(sc, seed: seed, options: RunOptions(overrides: overrides), swarm: swarm)
            print("records: \(o.records)")
            if let d = o.divergence {
                print("NONDETERMINISTIC: \(d)")
            } else {
                print("deterministic: both runs produced identical traces")
            }
            print("trace-hash: \(o.hashA)")
            if !o.isDeterministic { throw Exit.failed }
            return
        }
        if only != nil && trace == nil {
            stderr("error: --only selects what the --trace file holds; give --trace FILE too")
            throw Exit.badInput
        }
        var handle: FileHandle? = nil
        if let trace {
            guard FileManager.default.createFile(atPath: trace, contents: nil),
                let h = FileHandle(forWritingAtPath: trace)
            else {
                stderr("error: cannot write the trace file \(trace)")
                throw Exit.badInput
            }
            handle = h
        }
        let schedule = Runner.schedule(for: sc, seed: seed, swarm: swarm)
        var options = RunOptions(overrides: overrides)
        options.checkExpectations = !swarm
        let world = try World(scenario: sc, schedule: schedule, seed: seed, options: options)
        if let handle {
            let filter: TraceFilter?
            do {
                filter = try only.map { try TraceFilter($0.split(separator: ",").map(String.init), world: world) }
            } catch {
                stderr("error: \(error)")
                throw Exit.badInput
            }
            world.sim.trace.sink = { r in
                if filter?.accepts(r) ?? true { handle.write((r.jsonLine + "\n").data(using: .utf8)!) }
            }
        }
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
    static let configuration = CommandConfiguration(
        abstract: "Minimize a failing seed's steps and faults into a standalone reproducer.")
    @Argument(help: "A scenario file.") var scenario: String
    @Option(help: "The failing seed.") var seed: UInt64
    @Option(help: "Where to write the reproducer (default: reports/repro/<name>-seed<S>-min.yaml).") var out: String?
    @Flag(help: "The seed was run with --swarm.") var swarm = false
    @Option(name: .customLong("set"), help: "Override configuration: key=value.") var sets: [String] = []
    @Option(name: .customLong("max-runs"), help: "Give up after this many trial runs.") var maxRuns = 400

    func run() throws {
        let overrides = try parseOverrides(sets)
        let sc = try loadOne(scenario, overrides: overrides)
        guard
            let o = try Shrinker.shrink(
                sc, seed: seed, options: RunOptions(overrides: overrides), swarm: swarm, maxRuns: maxRuns)
        else {
            stderr(
                "error: seed \(seed) of \(scenario) holds every invariant\(swarm ? " (with --swarm)" : ""): nothing to shrink"
            )
            throw Exit.badInput
        }
        let path = out ?? "reports/repro/\(sc.name)-seed\(seed)-min.yaml"
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try o.yaml.write(toFile: path, atomically: true, encoding: .utf8)
        print("invariant: \(o.invariant)")
        print("failure kept: \(o.identity)")
        print(
            "steps: \(o.before.steps) -> \(o.schedule.steps.count), faults: \(o.before.faults) -> \(o.schedule.faults.count) (\(o.runs) trial runs)"
        )
        for v in o.violations { print("VIOLATION \(v)") }
        print("reproducer: \(path)")
        // The reproducer carries the overrides in its `config:` and its schedule is fixed,
        // so it replays as it is (no --set, no --swarm).
        print("replay: graspsim replay \(path) --seed \(seed)")
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

struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "List the metrics every run measures.")
    func run() throws {
        print("Metrics (per run; reports give mean, p50, p99 and max over a scenario's seeds):")
        for m in MetricName.all {
            print(
                "  \(m.name.padding(toLength: 30, withPad: " ", startingAt: 0)) \(m.unit.isEmpty ? "" : "[\(m.unit)] ")\(m.meaning)"
            )
        }
    }
}

struct Invariants: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invariants", abstract: "List invariants and configuration keys.")
    func run() throws {
        print("Invariants:")
        for n in InvariantName.allCases where n != .runError {
            print("  \(n.rawValue.padding(toLength: 28, withPad: " ", startingAt: 0)) \(n.summary)")
        }
        print("\nConfiguration keys (--set key=value, or config: in a scenario):")
        for (k, s) in RelayConfig.keys + DeploymentSettings.keys {
            print("  \(k.padding(toLength: 40, withPad: " ", startingAt: 0)) \(s)")
        }
    }
}
