import ArgumentParser
import Foundation
import Harness
import Scenario
import SimKernel

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Sweep seeds over scenarios and write a report.")
    @Argument(help: "Scenario files or folders (default: Scenarios/).") var paths: [String] = []
    @Option(help: "Seeds per scenario.") var seeds: UInt64 = 100
    @Option(name: .customLong("seed-start"), help: "First seed.") var seedStart: UInt64 = 0
    @Option(help: "Parallel jobs (default: all cores).") var jobs: Int?
    @Option(help: "Run only shard K of N (K/N, 1-based).") var shard: String?
    @Option(name: .customLong("report-dir"), help: "Folder for reports (a run folder is made inside).") var reportDir =
        "reports"
    @Flag(
        help:
            "Per seed, randomize which fault kinds are enabled and their rates (invariants only: expectations are not checked)."
    ) var swarm = false
    @Option(name: .customLong("time-budget"), help: "Stop starting new seeds after this long (e.g. 10m).")
    var timeBudget: String?
    @Option(name: .customLong("set"), help: "Override configuration: key=value (repeatable).") var sets: [String] = []
    @Option(name: .customLong("determinism-sample"), help: "Share of passing seeds re-run to compare trace hashes.")
    var determinismSample = 0.05
    @Flag(name: .customLong("no-progress"), help: "Do not report progress.") var noProgress = false
    @Flag(help: "Run generated workloads instead of scenario files: each seed draws its own deployment and timeline.")
    var generate = false
    @Option(help: "With --generate: arrival, locks or all.") var profile: String = "all"
    @Option(help: "Run the same seeds under each value of one key and compare them side by side: key=v1,v2[,v3…].")
    var compare: String?

    func run() throws {
        let overrides = try parseOverrides(sets)
        var opts = SweepOptions()
        let scenarios: [Scenario]
        if generate {
            guard paths.isEmpty else {
                stderr("error: --generate draws its own scenarios; give no paths")
                throw Exit.badInput
            }
            guard let p = GeneratorProfile(rawValue: profile) else {
                var m =
                    "error: unknown --profile '\(profile)' (\(GeneratorProfile.allCases.map(\.rawValue).joined(separator: ", ")))"
                if let near = Suggest.closest(to: profile, among: GeneratorProfile.allCases.map(\.rawValue)) {
                    m += "; did you mean '\(near)'?"
                }
                stderr(m)
                throw Exit.badInput
            }
            opts.generate = p
            let placeholder = Sweep.generatedPlaceholder(p)
            let bad = configErrors(scenario: placeholder, overrides: overrides)
            if !bad.isEmpty {
                bad.forEach(stderr)
                throw Exit.badInput
            }
            scenarios = [placeholder]
        } else {
            scenarios = try loadScenarios(paths, overrides: overrides)
        }
        opts.seeds = seeds
        opts.seedStart = seedStart
        if let jobs {
            guard jobs > 0 else {
                stderr("error: --jobs must be positive")
                throw Exit.badInput
            }
            opts.jobs = jobs
        }
        if let shard {
            let p = shard.split(separator: "/").compactMap { Int($0) }
            guard p.count == 2, p[1] > 0, p[0] >= 1, p[0] <= p[1] else {
                stderr("error: --shard expects K/N with 1 <= K <= N")
                throw Exit.badInput
            }
            opts.shard = (p[0], p[1])
        }
        if let tb = timeBudget {
            guard let d = DurationText.parse(tb), d > 0 else {
                stderr("error: --time-budget expects a duration such as 10m")
                throw Exit.badInput
            }
            opts.timeBudget = d.seconds
        }
        guard (0...1).contains(determinismSample) else {
            stderr("error: --determinism-sample expects a share from 0 to 1")
            throw Exit.badInput
        }
        opts.swarm = swarm
        opts.determinismSample = determinismSample
        opts.run = RunOptions(overrides: overrides)
        if let compare {
            try runComparison(compare, scenarios: scenarios, overrides: overrides, options: opts)
            return
        }
        let sweep = Sweep(scenarios: scenarios, options: opts)
        let started = Date()
        let reporter = ProgressReporter(terminal: isatty(STDERR_FILENO) == 1)
        if !noProgress { sweep.progress = reporter.report }
        let summaries = sweep.run()
        reporter.finish()
        let wall = Date().timeIntervalSince(started)

        printTable(summaries)
        printMetrics(summaries)
        printCoverage(summaries)
        let fmt = DateFormatter()
        fmt.dateFormat = "yyyyMMdd-HHmmss"
        fmt.timeZone = TimeZone(identifier: "UTC")
        var runID = fmt.string(from: started)
        if let shard { runID += "-shard" + shard.replacingOccurrences(of: "/", with: "of") }
        let meta = Report.Meta(
            runID: runID, command: "graspsim run " + CommandLine.arguments.dropFirst(2).joined(separator: " "),
            seeds: seeds, seedStart: seedStart, shard: shard, swarm: swarm, overrides: overrides,
            wallSeconds: wall, jobs: opts.jobs, timeBudget: timeBudget)
        let folder = reportDir + "/" + runID
        let summariesOut =
            opts.generate == nil
            ? summaries : try writeGeneratedFailures(summaries, sweep: sweep, to: folder + "/generated")
        let details = Report.failureDetails(summariesOut, scenarios: scenarios, options: opts)
        let dir = try Report.write(to: folder, summaries: summariesOut, details: details, meta: meta)
        let runs = summaries.reduce(0) { $0 + $1.seedsRun }
        let failing = summaries.reduce(0) { $0 + $1.failedSeeds }
        let planned = summaries.reduce(0) { $0 + $1.seedsPlanned }
        if runs < planned, let timeBudget {
            let notRun = summaries.filter { $0.seedsRun == 0 }.count
            print(
                "time budget \(timeBudget) reached: ran \(runs) of \(planned) planned runs"
                    + (notRun > 0 ? "; \(notRun) scenario(s) ran no seed at all" : ""))
        }
        print(
            "\(runs) runs in \(String(format: "%.1f", wall)) s; \(failing == 0 ? "all invariants held" : "\(failing) failing runs")"
        )
        print("report: \(dir)/index.html")
        if failing > 0 { throw Exit.failed }
    }

    /// `--compare key=v1,v2`: one sweep per value (same seeds), each with its own report,
    /// then one table of verdicts and metrics per value (console, compare.html, compare.json).
    func runComparison(_ spec: String, scenarios: [Scenario], overrides: [(String, String)], options: SweepOptions)
        throws
    {
        guard let eq = spec.firstIndex(of: "="), !spec[spec.index(after: eq)...].isEmpty else {
            stderr("error: --compare expects key=v1,v2 (for example lock.retry_budget=2s,5s)")
            throw Exit.badInput
        }
        let key = String(spec[..<eq])
        let values = spec[spec.index(after: eq)...].split(separator: ",").map {
            String($0).trimmingCharacters(in: .whitespaces)
        }
        guard values.count >= 2, Set(values).count == values.count else {
            stderr("error: --compare needs at least two different values for \(key)")
            throw Exit.badInput
        }
        guard options.generate == nil else {
            stderr("error: --compare runs scenario files, not --generate")
            throw Exit.badInput
        }
        var bad: [String] = []
        for v in values { for s in scenarios { bad += configErrors(scenario: s, overrides: overrides + [(key, v)]) } }
        if !bad.isEmpty {
            Array(Set(bad)).sorted().forEach(stderr)
            throw Exit.badInput
        }

        let fmt = DateFormatter()
        fmt.dateFormat = "yyyyMMdd-HHmmss"
        fmt.timeZone = TimeZone(identifier: "UTC")
        let started = Date()
        let folder = reportDir + "/" + fmt.string(from: started) + "-compare"
        var columns: [Comparison.Column] = []
        var failing = 0
        for v in values {
            var o = options
            o.run = RunOptions(overrides: overrides + [(key, v)])
            let t0 = Date()
            let reporter = ProgressReporter(terminal: isatty(STDERR_FILENO) == 1)
            let sweep = Sweep(scenarios: scenarios, options: o)
            if !noProgress { sweep.progress = reporter.report }
            let summaries = sweep.run()
            reporter.finish()
            let meta = Report.Meta(
                runID: Comparison.folder(key, v),
                command: "graspsim run " + CommandLine.arguments.dropFirst(2).joined(separator: " "),
                seeds: seeds, seedStart: seedStart, shard: shard, swarm: swarm, overrides: overrides + [(key, v)],
                wallSeconds: Date().timeIntervalSince(t0), jobs: o.jobs, timeBudget: timeBudget)
            let details = Report.failureDetails(summaries, scenarios: scenarios, options: o)
            _ = try Report.write(
                to: folder + "/" + Comparison.folder(key, v), summaries: summaries, details: details, meta: meta)
            failing += summaries.reduce(0) { $0 + $1.failedSeeds }
            columns.append(.init(value: v, summaries: summaries))
        }
        let comparison = Comparison(key: key, columns: columns)
        print(comparison.text, terminator: "")
        try comparison.html.write(toFile: folder + "/compare.html", atomically: true, encoding: .utf8)
        try comparison.json.write(toFile: folder + "/compare.json", atomically: true, encoding: .utf8)
        print(
            "\n\(values.count) values × \(columns.first?.summaries.reduce(0) { $0 + $1.seedsRun } ?? 0) runs in "
                + String(format: "%.1f", Date().timeIntervalSince(started))
                + " s; \(failing == 0 ? "all invariants held" : "\(failing) failing runs")")
        print("report: \(folder)/compare.html")
        if failing > 0 { throw Exit.failed }
    }

    func printTable(_ summaries: [ScenarioSummary]) {
        print(pad("scenario", 34) + pad("seeds", 8) + pad("failed", 8) + pad("seeds/s", 10) + "verdict")
        for s in summaries {
            let rate = s.wallSeconds > 0 ? Double(s.seedsRun) / s.wallSeconds : 0
            let verdict: String
            if s.seedsRun == 0 {
                verdict = "not run (time budget)"
            } else if s.failedSeeds == 0 {
                verdict = "held"
            } else {
                verdict = "FAILED: " + s.brokenInvariants.map(\.rawValue).joined(separator: ", ")
            }
            print(
                pad(s.name, 34) + pad("\(s.seedsRun)", 8) + pad("\(s.failedSeeds)", 8)
                    + pad(String(format: "%.0f", rate), 10) + verdict)
        }
    }

    /// Writes every failing generated seed's scenario as an ordinary file (replay and
    /// shrink take it) and points the failures at it.
    func writeGeneratedFailures(_ summaries: [ScenarioSummary], sweep: Sweep, to dir: String) throws
        -> [ScenarioSummary]
    {
        var out = summaries
        for i in out.indices {
            for k in out[i].failures.indices {
                let f = out[i].failures[k]
                let sc = sweep.scenario(0, seed: f.seed)
                let path = dir + "/\(sc.name).yaml"
                if !FileManager.default.fileExists(atPath: path) {
                    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    try ScenarioWriter.yaml(sc, schedule: nil).write(toFile: path, atomically: true, encoding: .utf8)
                }
                out[i].failures[k].file = path
            }
        }
        return out
    }

    /// Per scenario, the metrics that moved: mean over seeds, and the maximum when it differs.
    func printMetrics(_ summaries: [ScenarioSummary]) {
        print("metrics (mean over seeds [p50/p99/max]; graspsim metrics explains each):")
        for s in summaries where s.seedsRun > 0 {
            let moved = s.metrics.filter { $0.0 != .simEvents && $0.1.max != 0 }
            guard !moved.isEmpty else { continue }
            let parts = moved.map { m, st in
                "\(m.name) \(Report.metricText(st.mean, m.unit))"
                    + (st.max != st.mean
                        ? " [\([st.p50, st.p99].map { Report.percentileText($0, m.unit, exact: st.percentilesExact) }.joined(separator: "/"))/\(Report.metricText(st.max, m.unit))]"
                        : "")
            }
            print("  " + pad(s.name, 32) + parts.joined(separator: ", "))
        }
    }

    /// Runs that created each situation; a situation no run created is a gap.
    func printCoverage(_ summaries: [ScenarioSummary]) {
        let cov = Report.coverage(summaries)
        let gaps = cov.filter { $0.1 == 0 }.map(\.0.rawValue)
        print("coverage: \(cov.count - gaps.count) of \(cov.count) situations created")
        for (s, n) in cov { print("  " + pad(s.rawValue, 40) + (n == 0 ? "gap" : "\(n) runs")) }
    }

    func pad(_ s: String, _ n: Int) -> String {
        s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count)
    }
}

/// Reports a sweep's progress on standard error: a redrawn bar on a terminal, plain
/// lines every ten seconds otherwise (so CI logs stay readable). Both name the current
/// scenario, the runs failed so far and the time left at the rate so far.
final class ProgressReporter: @unchecked Sendable {
    let terminal: Bool
    private let lock = NSLock()
    private var last = Date.distantPast
    private var lastDone = 0
    private var drawn = false
    init(terminal: Bool) { self.terminal = terminal }

    /// Ends the bar's line (a time budget can stop the sweep before its last run).
    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if terminal && drawn { FileHandle.standardError.write("\n".data(using: .utf8)!) }
        drawn = false
    }

    func report(_ p: SweepProgress) {
        lock.lock()
        defer { lock.unlock() }
        // Workers report after releasing the sweep's lock: drop a report overtaken by a later one.
        guard p.done >= lastDone else { return }
        lastDone = p.done
        let now = Date()
        let interval = terminal ? 0.2 : 10
        guard p.done == p.total || now.timeIntervalSince(last) >= interval else { return }
        last = now
        let eta = p.eta.map { "ETA " + Self.clock($0) } ?? "ETA -"
        let failing = "\(p.failingRuns) failing"
        if terminal {
            let width = 30
            let filled = p.total == 0 ? width : p.done * width / p.total
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            var line = "\r[\(bar)] \(p.done)/\(p.total) runs, \(failing), \(eta), \(p.scenario)"
            line = line.count > 118 ? String(line.prefix(118)) : line + String(repeating: " ", count: 118 - line.count)
            FileHandle.standardError.write(line.data(using: .utf8)!)
            drawn = true
        } else {
            let pct = p.total == 0 ? 100 : p.done * 100 / p.total
            let line =
                "progress: \(p.done)/\(p.total) runs (\(pct)%), \(failing), elapsed \(Self.clock(p.elapsed)), \(eta), at \(p.scenario)\n"
            FileHandle.standardError.write(line.data(using: .utf8)!)
        }
    }

    /// `1h02m03s`, `4m05s`, `12s`.
    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if h > 0 { return "\(h)h\(two(m))m\(two(sec))s" }
        if m > 0 { return "\(m)m\(two(sec))s" }
        return "\(sec)s"
    }
}
