import ArgumentParser
import Checks
import Foundation
import Harness
import SimKernel

/// Combines shard reports (`graspsim run --shard K/N`) into one report folder.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Combine shard report folders into one report.")
    @Argument(help: "Report folders (each with a summary.json).") var dirs: [String]
    @Option(help: "Output folder.") var out: String

    func run() throws {
        var byName: [String: ScenarioSummary] = [:]
        var metricSums: [String: [String: (weighted: Double, max: Double, seeds: Int)]] = [:]
        var order: [String] = []
        var seeds: UInt64 = 0
        var wall = 0.0
        var swarm = false
        var jobs = 0
        var overrides: [(String, String)] = []
        for dir in dirs {
            guard let data = FileManager.default.contents(atPath: dir + "/summary.json"),
                let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                let scenarios = root["scenarios"] as? [[String: Any]]
            else {
                stderr("error: \(dir)/summary.json is missing or not a GraspSim summary")
                throw Exit.badInput
            }
            seeds += (root["seeds"] as? NSNumber)?.uint64Value ?? 0
            wall = max(wall, (root["wall_seconds"] as? NSNumber)?.doubleValue ?? 0)
            swarm = swarm || (root["swarm"] as? Bool ?? false)
            jobs += (root["jobs"] as? NSNumber)?.intValue ?? 0
            if overrides.isEmpty, let o = root["overrides"] as? [String: String] {
                overrides = o.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            }
            for s in scenarios {
                let name = s["name"] as? String ?? "?"
                if byName[name] == nil {
                    order.append(name)
                    var sum = ScenarioSummary(name: name, file: s["file"] as? String ?? "")
                    sum.invariants = try (s["invariants"] as? [String] ?? []).map { try invariant($0, in: dir) }
                    // Shards of one sweep run one configuration: the first shard's is it.
                    let config = s["config"] as? [String: String] ?? [:]
                    let sources = s["config_sources"] as? [String: String] ?? [:]
                    sum.effectiveConfig = config.keys.sorted().map { k in
                        EffectiveSetting(
                            key: k, value: config[k]!,
                            source: SettingSource(rawValue: sources[k] ?? "default") ?? .defaults)
                    }
                    byName[name] = sum
                }
                let ran = (s["seeds_run"] as? NSNumber)?.intValue ?? 0
                for (metric, value) in s["metrics"] as? [String: [String: Any]] ?? [:] {
                    let mean = (value["mean"] as? NSNumber)?.doubleValue ?? 0
                    let mx = (value["max"] as? NSNumber)?.doubleValue ?? 0
                    let old = metricSums[name, default: [:]][metric] ?? (0, -Double.infinity, 0)
                    metricSums[name, default: [:]][metric] = (
                        old.weighted + mean * Double(ran), Swift.max(old.max, mx), old.seeds + ran
                    )
                }
                byName[name]!.seedsRun += ran
                byName[name]!.seedsPlanned += (s["seeds_planned"] as? NSNumber)?.intValue ?? ran
                byName[name]!.wallSeconds += (s["wall_seconds"] as? NSNumber)?.doubleValue ?? 0
                byName[name]!.events += (s["events"] as? NSNumber)?.uint64Value ?? 0
                byName[name]!.determinismChecks += (s["determinism_checks"] as? NSNumber)?.intValue ?? 0
                for f in s["failures"] as? [[String: Any]] ?? [] {
                    let vs = try (f["violations"] as? [[String: Any]] ?? []).map { v in
                        Violation(
                            invariant: try invariant(v["invariant"] as? String ?? "", in: dir),
                            time: SimTime(nanoseconds: (v["time_ns"] as? NSNumber)?.int64Value ?? 0),
                            node: v["node"] as? String ?? "?", message: v["message"] as? String ?? "")
                    }
                    byName[name]!.failures.append(
                        SeedFailure(
                            scenario: name, file: byName[name]!.file,
                            seed: (f["seed"] as? NSNumber)?.uint64Value ?? 0, violations: vs,
                            traceHash: f["trace_hash"] as? String ?? "", kind: f["kind"] as? String ?? "invariant"))
                }
            }
        }
        for (name, metrics) in metricSums {
            for (metric, m) in metrics where m.seeds > 0 {
                byName[name]!.mergedMetrics[metric] = MetricStats(mean: m.weighted / Double(m.seeds), max: m.max)
            }
        }
        let summaries = order.map { byName[$0]! }
        let meta = Report.Meta(
            runID: (out as NSString).lastPathComponent, command: "graspsim merge " + dirs.joined(separator: " "),
            seeds: seeds, seedStart: 0, shard: "merged from \(dirs.count) shards", swarm: swarm,
            overrides: overrides, wallSeconds: wall, jobs: jobs)
        let details = summaries.compactMap { $0.failures.first }.map { Report.FailureDetail(failure: $0, world: nil) }
        try Report.write(to: out, summaries: summaries, details: details, meta: meta)
        let failing = summaries.reduce(0) { $0 + $1.failures.count }
        print(
            "merged \(dirs.count) reports: \(summaries.reduce(0) { $0 + $1.seedsRun }) runs, \(failing) failing → \(out)/index.html"
        )
        if failing > 0 { throw Exit.failed }
    }

    /// An invariant name from a shard's summary: an unknown one is bad input, never dropped.
    func invariant(_ name: String, in dir: String) throws -> InvariantName {
        guard let n = InvariantName(rawValue: name) else {
            stderr(
                "error: \(dir)/summary.json names an unknown invariant '\(name)' (written by another GraspSim version?)"
            )
            throw Exit.badInput
        }
        return n
    }
}
