import Checks
import Foundation
import Scenario
import SimKernel

/// `index.html`: the page a person reads after a sweep. Every scenario has a section:
/// a failing one lists every failing seed with its broken invariants and first message,
/// counts per invariant with each invariant's first message, and a timeline of its first
/// failing seed zoomed to the violation (the whole run one click away); a passing one says
/// what was checked and how to replay and trace a seed.
extension Report {
    /// A failure with the run's history, re-run for the picture.
    public struct FailureDetail {
        public var failure: SeedFailure
        public var world: World?
        public init(failure: SeedFailure, world: World?) {
            self.failure = failure
            self.world = world
        }
    }

    /// Failing seeds listed per scenario on the page (summary.json has them all).
    static let seedRowsShown = 200

    /// Re-runs the first failing seed of every failing scenario with its history kept.
    public static func failureDetails(
        _ summaries: [ScenarioSummary], scenarios: [Scenario],
        options: SweepOptions
    ) -> [FailureDetail] {
        summaries.compactMap { s in
            guard let f = s.failures.first else { return nil }
            let generated = options.generate.map { WorkloadGenerator.scenario(profile: $0, seed: f.seed) }
            guard let sc = generated ?? scenarios.first(where: { $0.name == s.name }) else { return nil }
            let world = try? Runner.runOne(sc, seed: f.seed, options: options.run, swarm: options.swarm).1
            return FailureDetail(failure: f, world: world)
        }
    }

    public static func indexHTML(_ summaries: [ScenarioSummary], details: [FailureDetail], meta: Meta) -> String {
        let failing = summaries.filter { $0.failedSeeds > 0 }.count
        let runs = summaries.reduce(0) { $0 + $1.seedsRun }
        let planned = summaries.reduce(0) { $0 + $1.seedsPlanned }
        var h = """
            <!doctype html><html><head><meta charset="utf-8"><title>GraspSim \(xmlText(meta.runID))</title>
            <style>
            body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;max-width:1240px}
            h1{font-size:22px;margin:0 0 4px} h2{margin-top:32px} .sub{color:#5b6475;margin-bottom:18px}
            table{border-collapse:collapse;width:100%;margin:8px 0 18px} th,td{padding:5px 9px;border-bottom:1px solid #e3e6ec;text-align:left;vertical-align:top}
            th{background:#f5f6f8;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
            .held{color:#17803d;font-weight:600} .failed{color:#c62828;font-weight:600} .notrun{color:#8a5a00;font-weight:600}
            .scn{border:1px solid #e3e6ec;border-radius:8px;padding:10px 16px;margin:16px 0}
            .scn.bad{border-color:#f0c7c7;background:#fffafa}
            .warn{border:1px solid #f3d19c;background:#fff8ec;border-radius:8px;padding:8px 14px}
            code,pre{font:12px ui-monospace,monospace;background:#f3f4f7;padding:2px 5px;border-radius:4px} pre{padding:8px;overflow:auto}
            .legend{margin:6px 0 10px} .legend span{display:inline-block;margin-right:14px;font-size:12px;white-space:nowrap}
            .sw{display:inline-block;width:12px;height:8px;margin-right:4px;vertical-align:middle}
            details summary{cursor:pointer;color:#1e5fb4}
            </style></head><body>
            <h1>GraspSim run \(xmlText(meta.runID))</h1>
            <div class="sub">\(xmlText(meta.command)) · \(meta.seeds) seeds from \(meta.seedStart)\(meta.shard.map { " · shard \(xmlText($0))" } ?? "")\(meta.swarm ? " · swarm" : "") · \(runs) runs in \(fmt(meta.wallSeconds)) s on \(meta.jobs) jobs ·
            <span class="\(failing == 0 ? "held" : "failed")">\(failing == 0 ? "all invariants held" : "\(failing) scenario(s) failed")</span></div>

            """
        if runs < planned {
            h +=
                "<p class=\"warn\">The time budget\(meta.timeBudget.map { " (\(xmlText($0)))" } ?? "") ended the sweep early: \(runs) of \(planned) planned runs ran. Verdicts speak only for the seeds that ran.</p>\n"
        }
        h +=
            "<table><tr><th>scenario</th><th>verdict</th><th class=\"num\">seeds</th><th class=\"num\">failed seeds</th><th class=\"num\">seeds/s</th><th class=\"num\">sim/wall</th><th>broken invariants (failed seeds)</th></tr>\n"
        for s in summaries {
            let v = verdict(s)
            let broken = s.invariantFailureCounts.map { "\($0.0) (\($0.1))" }.joined(separator: ", ")
            h +=
                "<tr><td><a href=\"#\(anchor(s.name))\">\(xmlText(s.name))</a><br><small>\(xmlText(s.file))</small></td>"
            h += "<td class=\"\(v == "held" ? "held" : v == "failed" ? "failed" : "notrun")\">\(v)</td>"
            h +=
                "<td class=\"num\">\(s.seedsRun)\(s.seedsRun < s.seedsPlanned ? " of \(s.seedsPlanned)" : "")</td><td class=\"num\">\(s.failedSeeds)</td>"
            h += "<td class=\"num\">\(fmt(s.wallSeconds > 0 ? Double(s.seedsRun) / s.wallSeconds : 0))</td>"
            h +=
                "<td class=\"num\">\(Int(s.wallSeconds > 0 ? Double(s.simulatedNanos) / 1e9 / s.wallSeconds : 0))×</td>"
            h += "<td>\(xmlText(broken))</td></tr>\n"
        }
        h += "</table>\n"
        h +=
            "<h2 id=\"coverage\">Coverage</h2><p>Runs that created each situation (a situation no run created is a gap: nothing was tested there).</p>"
        h += "<table><tr><th>situation</th><th class=\"num\">runs</th><th>what</th></tr>"
        for (s, n) in coverage(summaries) {
            h +=
                "<tr><td><code>\(s.rawValue)</code></td><td class=\"num \(n == 0 ? "failed" : "")\">\(n == 0 ? "gap" : "\(n)")</td><td>\(xmlText(s.summary))</td></tr>"
        }
        h += "</table>\n<h2>Scenarios</h2>\n"
        for s in summaries {
            let detail = details.first { $0.failure.scenario == s.name }
            h += s.failedSeeds > 0 ? failingSection(s, detail: detail, meta: meta) : passingSection(s, meta: meta)
        }
        h += "<h2 id=\"invariants\">Invariants</h2><table><tr><th>name</th><th>meaning</th></tr>"
        for n in InvariantName.allCases where n != .runError {
            h += "<tr><td><code>\(n)</code></td><td>\(xmlText(n.summary))</td></tr>"
        }
        h += "</table></body></html>\n"
        return h
    }

    /// A held scenario: what was checked, and how to look at any of its runs.
    static func passingSection(_ s: ScenarioSummary, meta: Meta) -> String {
        var h =
            "<div class=\"scn\" id=\"\(anchor(s.name))\"><h3>\(xmlText(s.name)) — <span class=\"\(s.seedsRun == 0 ? "notrun" : "held")\">\(verdict(s))</span></h3>"
        h +=
            "<p>File <code>\(xmlText(s.file))</code>; \(s.seedsRun) seeds ran, \(s.determinismChecks) of them re-run to compare trace hashes. Checked: "
        h += s.invariants.map { "<a href=\"#invariants\"><code>\($0)</code></a>" }.joined(separator: ", ") + ".</p>"
        if let (seed, hash) = s.sampleHashes.first {
            let seedMeta = SeedFailure(
                scenario: s.name, file: s.file, seed: seed, violations: [], traceHash: hash, kind: "")
            h +=
                "<p>To look at a run step by step: <code>\(xmlText(replayCommand(seedMeta, meta: meta))) --trace \(xmlText(s.name))-seed\(seed).jsonl --only relay,client</code></p>"
            h += "<p>Trace hashes of the first seeds (a later run of the same seed must print the same): "
            h += s.sampleHashes.map { "seed \($0.0) <code>\($0.1)</code>" }.joined(separator: ", ") + "</p>"
        }
        return h + numbersSection(s) + "</div>\n"
    }

    /// What the scenario's runs measured (metrics that were not zero in every run) and the
    /// configuration it ran with (keys not at their default; every key in a fold-out).
    static func numbersSection(_ s: ScenarioSummary) -> String {
        var h = ""
        let moved = s.metrics.filter { $0.1.max != 0 }
        if !moved.isEmpty {
            h +=
                "<h4>Metrics over \(s.seedsRun) seeds</h4><table><tr><th>metric</th><th class=\"num\">mean</th><th class=\"num\">p50</th>"
            h += "<th class=\"num\">p99</th><th class=\"num\">max</th><th>meaning</th></tr>"
            for (m, st) in moved {
                h +=
                    "<tr><td><code>\(m.name)</code></td>"
                    + [
                        metricText(st.mean, m.unit), percentileText(st.p50, m.unit, exact: st.percentilesExact),
                        percentileText(st.p99, m.unit, exact: st.percentilesExact), metricText(st.max, m.unit),
                    ].map { "<td class=\"num\">\($0)</td>" }.joined()
                h += "<td>\(xmlText(m.meaning))</td></tr>"
            }
            h += "</table>"
        }
        let changed = s.effectiveConfig.filter { $0.source != .defaults }
        h +=
            "<details><summary>Configuration: "
            + (changed.isEmpty
                ? "all defaults"
                : changed.map { "<code>\(xmlText($0.key))=\(xmlText($0.value))</code> (\($0.source.rawValue))" }.joined(
                    separator: ", "))
        h +=
            "</summary><table>"
            + s.effectiveConfig.map {
                "<tr><td><code>\(xmlText($0.key))</code></td><td>\(xmlText($0.value))</td><td>\($0.source.rawValue)</td></tr>"
            }.joined()
        return h + "</table></details>"
    }

    public static func metricText(_ v: Double, _ unit: String) -> String {
        if v.isNaN { return "n/a" }
        let n = v == v.rounded() && abs(v) < 1e12 ? String(Int64(v)) : String(format: abs(v) < 10 ? "%.2f" : "%.1f", v)
        return unit.isEmpty ? n : n + (unit == "%" ? "%" : " " + unit)
    }

    /// A percentile's text: prefixed "≈" when it is an estimate (see `MetricDistribution`).
    public static func percentileText(_ v: Double, _ unit: String, exact: Bool) -> String {
        (exact || v.isNaN ? "" : "≈") + metricText(v, unit)
    }

    /// A failing scenario: counts per invariant, every failing seed, one timeline.
    static func failingSection(_ s: ScenarioSummary, detail: FailureDetail?, meta: Meta) -> String {
        var h =
            "<div class=\"scn bad\" id=\"\(anchor(s.name))\"><h3>\(xmlText(s.name)) — <span class=\"failed\">failed</span> on \(s.failedSeeds) of \(s.seedsRun) seeds</h3>"
        h += "<p>File <code>\(xmlText(s.file))</code></p>"
        h +=
            "<h4>Broken invariants</h4><table><tr><th>invariant</th><th class=\"num\">failed seeds</th><th>first seed</th><th>its first message</th></tr>"
        for (inv, count) in s.invariantFailureCounts {
            guard let f = s.failures.first(where: { $0.violations.contains { $0.invariant == inv } }),
                let v = f.violations.first(where: { $0.invariant == inv })
            else { continue }
            h += "<tr><td><code>\(inv)</code></td><td class=\"num\">\(count)</td><td class=\"num\">\(f.seed)</td>"
            h += "<td>at \(Time.format(v.time)) on \(xmlText(v.node)): \(xmlText(v.message))</td></tr>"
        }
        h += "</table>"
        h +=
            "<h4>Failing seeds</h4><table><tr><th class=\"num\">seed</th><th>broken</th><th>first message</th><th>replay</th></tr>"
        let bySeed = Dictionary(grouping: s.failures, by: \.seed)
        let seeds = bySeed.keys.sorted()
        for seed in seeds.prefix(seedRowsShown) {
            let fs = bySeed[seed]!
            let vs = fs.flatMap(\.violations)
            let broken = Set(vs.map(\.invariant)).sorted().map(\.rawValue).joined(separator: ", ")
            let first =
                vs.first.map { "[\($0.invariant)] at \(Time.format($0.time)) on \($0.node): \($0.message)" } ?? ""
            h += "<tr><td class=\"num\">\(seed)</td><td>\(xmlText(broken))</td><td>\(xmlText(first))</td>"
            h += "<td><code>\(xmlText(replayCommand(fs[0], meta: meta)))</code></td></tr>"
        }
        h += "</table>"
        if seeds.count > seedRowsShown {
            h += "<p>… and \(seeds.count - seedRowsShown) more failing seeds, all listed in summary.json.</p>"
        }
        if let d = detail {
            let f = d.failure
            h += "<h4>Seed \(f.seed) (\(xmlText(f.kind)))</h4>"
            h +=
                "<p>Replay: <code>\(xmlText(replayCommand(f, meta: meta)))</code><br>Shrink: <code>\(xmlText(shrinkCommand(f, meta: meta)))</code></p><ul>"
            for v in f.violations {
                h +=
                    "<li><b>\(v.invariant)</b> at \(Time.format(v.time)) on \(xmlText(v.node)): \(xmlText(v.message))</li>"
            }
            h += "</ul>"
            if let w = d.world {
                let window = Timeline.window(w, around: f.violations)
                if let window {
                    h +=
                        "<p>Timeline from \(Time.format(window.from)) to \(Time.format(window.to)), around the first violation (hover a mark for details):</p>"
                    h += Timeline.svg(w, violations: f.violations, window: window)
                    h +=
                        "<details><summary>The whole run</summary>"
                        + Timeline.svg(w, violations: f.violations, window: nil) + "</details>"
                } else {
                    h += Timeline.svg(w, violations: f.violations, window: nil)
                }
                // Zoomed views: ten seconds around each moment worth a close look.
                for (label, zoom) in Timeline.zoomWindows(w, violations: f.violations) {
                    h +=
                        "<details><summary>Zoom: \(xmlText(label))</summary>"
                        + Timeline.svg(w, violations: f.violations, window: zoom) + "</details>"
                }
                h += Timeline.legend
            }
        }
        return h + numbersSection(s) + "</div>\n"
    }
}
