import Checks
import Foundation
import Relay
import Scenario
import SimKernel

/// Writes `reports/<run-id>/`: summary.json, junit.xml and index.html.
public enum Report {
    public struct Meta: Sendable {
        public var runID: String
        public var command: String
        public var seeds: UInt64
        public var seedStart: UInt64
        public var shard: String?
        public var swarm: Bool
        public var overrides: [(String, String)]
        public var wallSeconds: Double
        public var jobs: Int
        /// `--time-budget` as given, when the sweep had one.
        public var timeBudget: String?
        public init(
            runID: String, command: String, seeds: UInt64, seedStart: UInt64, shard: String?, swarm: Bool,
            overrides: [(String, String)], wallSeconds: Double, jobs: Int, timeBudget: String? = nil
        ) {
            self.runID = runID
            self.command = command
            self.seeds = seeds
            self.seedStart = seedStart
            self.shard = shard
            self.swarm = swarm
            self.overrides = overrides
            self.wallSeconds = wallSeconds
            self.jobs = jobs
            self.timeBudget = timeBudget
        }
    }

    static func replayCommand(_ f: SeedFailure, meta: Meta) -> String {
        var cmd = "graspsim replay \(f.file) --seed \(f.seed)"
        if meta.swarm { cmd += " --swarm" }
        for (k, v) in meta.overrides { cmd += " --set \(k)=\(v)" }
        return cmd
    }

    static func shrinkCommand(_ f: SeedFailure, meta: Meta) -> String {
        var cmd = "graspsim shrink \(f.file) --seed \(f.seed)"
        if meta.swarm { cmd += " --swarm" }
        for (k, v) in meta.overrides { cmd += " --set \(k)=\(v)" }
        return cmd
    }

    // MARK: summary.json

    public static func summaryJSON(_ summaries: [ScenarioSummary], meta: Meta) -> String {
        var s = "{\n  \"run_id\": \(jsonString(meta.runID)),\n  \"command\": \(jsonString(meta.command)),\n"
        s += "  \"seeds\": \(meta.seeds),\n  \"seed_start\": \(meta.seedStart),\n"
        s +=
            "  \"shard\": \(meta.shard.map(jsonString) ?? "null"),\n  \"swarm\": \(meta.swarm),\n  \"jobs\": \(meta.jobs),\n"
        s +=
            "  \"overrides\": {"
            + meta.overrides.map { "\(jsonString($0.0)): \(jsonString($0.1))" }.joined(separator: ", ") + "},\n"
        s += "  \"wall_seconds\": \(fmt(meta.wallSeconds)),\n"
        s += "  \"time_budget\": \(meta.timeBudget.map(jsonString) ?? "null"),\n"
        s += "  \"runs_planned\": \(summaries.reduce(0) { $0 + $1.seedsPlanned }),\n"
        s += "  \"runs\": \(summaries.reduce(0) { $0 + $1.seedsRun }),\n"
        let failing = summaries.reduce(0) { $0 + $1.failedSeeds }
        s += "  \"failed_runs\": \(failing),\n"
        s += "  \"verdict\": \(jsonString(failing == 0 ? "held" : "failed")),\n"
        let cov = coverage(summaries)
        s += "  \"coverage\": " + coverageJSON(Dictionary(uniqueKeysWithValues: cov)) + ",\n"
        s +=
            "  \"coverage_gaps\": ["
            + cov.filter { $0.1 == 0 }.map { jsonString($0.0.rawValue) }.joined(separator: ", ") + "],\n"
        s += "  \"scenarios\": [\n"
        s += summaries.map { sum in
            var o = "    {\n      \"name\": \(jsonString(sum.name)),\n      \"file\": \(jsonString(sum.file)),\n"
            o += "      \"verdict\": \(jsonString(verdict(sum))),\n"
            o += "      \"seeds_planned\": \(sum.seedsPlanned),\n"
            o += "      \"seeds_run\": \(sum.seedsRun),\n      \"failed_seeds\": \(sum.failedSeeds),\n"
            o +=
                "      \"failed_seeds_by_invariant\": {"
                + sum.invariantFailureCounts.map { "\(jsonString($0.0.rawValue)): \($0.1)" }.joined(separator: ", ")
                + "},\n"
            o += "      \"wall_seconds\": \(fmt(sum.wallSeconds)),\n"
            o +=
                "      \"seeds_per_second\": \(fmt(sum.wallSeconds > 0 ? Double(sum.seedsRun) / sum.wallSeconds : 0)),\n"
            o +=
                "      \"sim_to_wall_ratio\": \(fmt(sum.wallSeconds > 0 ? Double(sum.simulatedNanos) / 1e9 / sum.wallSeconds : 0)),\n"
            o += "      \"events\": \(sum.events),\n      \"determinism_checks\": \(sum.determinismChecks),\n"
            o +=
                "      \"events_per_second\": \(fmt(sum.wallSeconds > 0 ? Double(sum.events) / sum.wallSeconds : 0)),\n"
            o += "      \"coverage\": " + coverageJSON(sum.coverage) + ",\n"
            o +=
                "      \"metrics\": {"
                + sum.metrics.map { m, st in
                    "\(jsonString(m.name)): {\"mean\": \(fmt(st.mean)), \"p50\": \(fmt(st.p50)), \"p99\": \(fmt(st.p99)), \"max\": \(fmt(st.max)), \"percentiles_exact\": \(st.percentilesExact)}"
                }.joined(separator: ", ") + "},\n"
            o +=
                "      \"config\": {"
                + sum.effectiveConfig.map { "\(jsonString($0.key)): \(jsonString($0.value))" }.joined(separator: ", ")
                + "},\n"
            o +=
                "      \"config_sources\": {"
                + sum.effectiveConfig.filter { $0.source != .defaults }
                .map { "\(jsonString($0.key)): \(jsonString($0.source.rawValue))" }.joined(separator: ", ") + "},\n"
            o +=
                "      \"invariants\": [" + sum.invariants.map { jsonString($0.rawValue) }.joined(separator: ", ")
                + "],\n"
            o +=
                "      \"trace_hashes\": {"
                + sum.sampleHashes.map { "\"\($0.0)\": \(jsonString($0.1))" }.joined(separator: ", ") + "},\n"
            o +=
                "      \"failures\": ["
                + sum.failures.map { f in
                    "\n        {\"seed\": \(f.seed), \"kind\": \(jsonString(f.kind)), \"trace_hash\": \(jsonString(f.traceHash)), "
                        + "\"replay\": \(jsonString(replayCommand(f, meta: meta))), \"violations\": ["
                        + f.violations.map { v in
                            "{\"invariant\": \(jsonString(v.invariant.rawValue)), \"time_ns\": \(v.time), \"at\": \(jsonString(Time.format(v.time))), \"node\": \(jsonString(v.node)), \"message\": \(jsonString(v.message))}"
                        }.joined(separator: ", ") + "]}"
                }.joined(separator: ",") + (sum.failures.isEmpty ? "" : "\n      ") + "]\n    }"
            return o
        }.joined(separator: ",\n")
        s += "\n  ]\n}\n"
        return s
    }

    /// `held`, `failed`, or `not run` (a time budget ended the sweep before its first seed).
    static func verdict(_ s: ScenarioSummary) -> String {
        s.seedsRun == 0 ? "not run" : (s.failedSeeds == 0 ? "held" : "failed")
    }

    /// Every situation with the number of runs (of all scenarios) that created it.
    public static func coverage(_ summaries: [ScenarioSummary]) -> [(Situation, Int)] {
        Situation.allCases.map { s in (s, summaries.reduce(0) { $0 + ($1.coverage[s] ?? 0) }) }
    }

    static func coverageJSON(_ counts: [Situation: Int]) -> String {
        "{" + Situation.allCases.map { "\(jsonString($0.rawValue)): \(counts[$0] ?? 0)" }.joined(separator: ", ") + "}"
    }

    static func fmt(_ d: Double) -> String {
        if d.isNaN { return "null" }
        let r = (d * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int64(r)) : String(r)
    }

    // MARK: junit.xml

    public static func junitXML(_ summaries: [ScenarioSummary], meta: Meta) -> String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        // Every checked invariant gets a case, and so does anything a seed broke outside
        // that list (a run error, say): no failure is ever left out of the file.
        func listed(_ sum: ScenarioSummary) -> [InvariantName] {
            sum.invariants + sum.brokenInvariants.filter { !sum.invariants.contains($0) }
        }
        let tests = summaries.reduce(0) { $0 + listed($1).count }
        var failuresTotal = 0
        var skippedTotal = 0
        var body = ""
        for sum in summaries {
            var cases = ""
            var fails = 0
            var skipped = 0
            for inv in listed(sum) {
                let broken = sum.failures.filter { f in f.violations.contains { $0.invariant == inv } }
                cases +=
                    "    <testcase classname=\(xmlAttr("graspsim." + sum.name)) name=\(xmlAttr(inv.rawValue)) time=\"\(fmt(sum.wallSeconds / Double(max(1, listed(sum).count))))\">"
                if sum.seedsRun == 0 {
                    skipped += 1
                    cases +=
                        "<skipped message=\(xmlAttr("the time budget ended the sweep before this scenario ran a seed"))/></testcase>\n"
                } else if broken.isEmpty {
                    cases += "</testcase>\n"
                } else {
                    fails += 1
                    let first = broken[0]
                    let v = first.violations.first { $0.invariant == inv }!
                    let detail = broken.prefix(10).map { f in
                        "seed \(f.seed): \(f.violations.filter { $0.invariant == inv }.map(\.description).joined(separator: "; "))\n  replay: \(replayCommand(f, meta: meta))"
                    }.joined(separator: "\n")
                    cases +=
                        "\n      <failure message=\(xmlAttr("\(broken.count) of \(sum.seedsRun) seeds: \(v.message)")) type=\(xmlAttr(inv.rawValue))>\(xmlText(detail))</failure>\n    </testcase>\n"
                }
            }
            failuresTotal += fails
            skippedTotal += skipped
            body +=
                "  <testsuite name=\(xmlAttr(sum.name)) tests=\"\(listed(sum).count)\" failures=\"\(fails)\" skipped=\"\(skipped)\" time=\"\(fmt(sum.wallSeconds))\">\n"
            body +=
                "    <properties><property name=\"file\" value=\(xmlAttr(sum.file))/><property name=\"seeds\" value=\"\(sum.seedsRun)\"/></properties>\n"
            body += cases + "  </testsuite>\n"
        }
        s +=
            "<testsuites name=\"graspsim\" tests=\"\(tests)\" failures=\"\(failuresTotal)\" skipped=\"\(skippedTotal)\" time=\"\(fmt(meta.wallSeconds))\">\n"
            + body + "</testsuites>\n"
        return s
    }

    static func xmlText(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(
            of: ">", with: "&gt;")
    }
    static func xmlAttr(_ s: String) -> String {
        "\"" + xmlText(s).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;")
            + "\""
    }

    static func anchor(_ s: String) -> String {
        "s-" + s.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
    }

    /// Writes the three files; returns the folder.
    @discardableResult
    public static func write(to dir: String, summaries: [ScenarioSummary], details: [FailureDetail], meta: Meta) throws
        -> String
    {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try summaryJSON(summaries, meta: meta).write(toFile: dir + "/summary.json", atomically: true, encoding: .utf8)
        try junitXML(summaries, meta: meta).write(toFile: dir + "/junit.xml", atomically: true, encoding: .utf8)
        try indexHTML(summaries, details: details, meta: meta).write(
            toFile: dir + "/index.html", atomically: true, encoding: .utf8)
        return dir
    }
}
