import Foundation
import SimKernel
import Relay
import Checks
import Scenario

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
        public init(runID: String, command: String, seeds: UInt64, seedStart: UInt64, shard: String?, swarm: Bool,
                    overrides: [(String, String)], wallSeconds: Double, jobs: Int) {
            self.runID = runID; self.command = command; self.seeds = seeds; self.seedStart = seedStart
            self.shard = shard; self.swarm = swarm; self.overrides = overrides; self.wallSeconds = wallSeconds; self.jobs = jobs
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
        s += "  \"shard\": \(meta.shard.map(jsonString) ?? "null"),\n  \"swarm\": \(meta.swarm),\n  \"jobs\": \(meta.jobs),\n"
        s += "  \"overrides\": {" + meta.overrides.map { "\(jsonString($0.0)): \(jsonString($0.1))" }.joined(separator: ", ") + "},\n"
        s += "  \"wall_seconds\": \(fmt(meta.wallSeconds)),\n"
        let failing = summaries.reduce(0) { $0 + $1.failures.count }
        s += "  \"verdict\": \(jsonString(failing == 0 ? "held" : "failed")),\n"
        s += "  \"scenarios\": [\n"
        s += summaries.map { sum in
            var o = "    {\n      \"name\": \(jsonString(sum.name)),\n      \"file\": \(jsonString(sum.file)),\n"
            o += "      \"seeds_run\": \(sum.seedsRun),\n      \"failed_seeds\": \(Set(sum.failures.map(\.seed)).count),\n"
            o += "      \"wall_seconds\": \(fmt(sum.wallSeconds)),\n"
            o += "      \"seeds_per_second\": \(fmt(sum.wallSeconds > 0 ? Double(sum.seedsRun) / sum.wallSeconds : 0)),\n"
            o += "      \"sim_to_wall_ratio\": \(fmt(sum.wallSeconds > 0 ? Double(sum.simulatedNanos) / 1e9 / sum.wallSeconds : 0)),\n"
            o += "      \"events\": \(sum.events),\n      \"determinism_checks\": \(sum.determinismChecks),\n"
            o += "      \"invariants\": [" + sum.invariants.map(jsonString).joined(separator: ", ") + "],\n"
            o += "      \"trace_hashes\": {" + sum.sampleHashes.map { "\"\($0.0)\": \(jsonString($0.1))" }.joined(separator: ", ") + "},\n"
            o += "      \"failures\": [" + sum.failures.map { f in
                "\n        {\"seed\": \(f.seed), \"kind\": \(jsonString(f.kind)), \"trace_hash\": \(jsonString(f.traceHash)), "
                + "\"replay\": \(jsonString(replayCommand(f, meta: meta))), \"violations\": ["
                + f.violations.map { v in
                    "{\"invariant\": \(jsonString(v.invariant)), \"time_ns\": \(v.time), \"at\": \(jsonString(Time.format(v.time))), \"node\": \(jsonString(v.node)), \"message\": \(jsonString(v.message))}"
                }.joined(separator: ", ") + "]}"
            }.joined(separator: ",") + (sum.failures.isEmpty ? "" : "\n      ") + "]\n    }"
            return o
        }.joined(separator: ",\n")
        s += "\n  ]\n}\n"
        return s
    }

    static func fmt(_ d: Double) -> String {
        let r = (d * 1000).rounded() / 1000
        return r == r.rounded() ? String(Int64(r)) : String(r)
    }

    // MARK: junit.xml

    public static func junitXML(_ summaries: [ScenarioSummary], meta: Meta) -> String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        let tests = summaries.reduce(0) { $0 + $1.invariants.count }
        var failuresTotal = 0
        var body = ""
        for sum in summaries {
            var cases = ""
            var fails = 0
            for inv in sum.invariants {
                let broken = sum.failures.filter { f in f.violations.contains { $0.invariant == inv } }
                cases += "    <testcase classname=\(xmlAttr("graspsim." + sum.name)) name=\(xmlAttr(inv)) time=\"\(fmt(sum.wallSeconds / Double(max(1, sum.invariants.count))))\">"
                if broken.isEmpty {
                    cases += "</testcase>\n"
                } else {
                    fails += 1
                    let first = broken[0]
                    let v = first.violations.first { $0.invariant == inv }!
                    let detail = broken.prefix(10).map { f in
                        "seed \(f.seed): \(f.violations.filter { $0.invariant == inv }.map(\.description).joined(separator: "; "))\n  replay: \(replayCommand(f, meta: meta))"
                    }.joined(separator: "\n")
                    cases += "\n      <failure message=\(xmlAttr("\(broken.count) of \(sum.seedsRun) seeds: \(v.message)")) type=\(xmlAttr(inv))>\(xmlText(detail))</failure>\n    </testcase>\n"
                }
            }
            failuresTotal += fails
            body += "  <testsuite name=\(xmlAttr(sum.name)) tests=\"\(sum.invariants.count)\" failures=\"\(fails)\" time=\"\(fmt(sum.wallSeconds))\">\n"
            body += "    <properties><property name=\"file\" value=\(xmlAttr(sum.file))/><property name=\"seeds\" value=\"\(sum.seedsRun)\"/></properties>\n"
            body += cases + "  </testsuite>\n"
        }
        s += "<testsuites name=\"graspsim\" tests=\"\(tests)\" failures=\"\(failuresTotal)\" time=\"\(fmt(meta.wallSeconds))\">\n" + body + "</testsuites>\n"
        return s
    }

    static func xmlText(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
    static func xmlAttr(_ s: String) -> String {
        "\"" + xmlText(s).replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "\n", with: "&#10;") + "\""
    }

    // MARK: index.html

    /// A failure with the run's history, re-run for the picture.
    public struct FailureDetail {
        public var failure: SeedFailure
        public var world: World?
        public init(failure: SeedFailure, world: World?) { self.failure = failure; self.world = world }
    }

    public static func indexHTML(_ summaries: [ScenarioSummary], details: [FailureDetail], meta: Meta) -> String {
        let failing = summaries.filter { !$0.failures.isEmpty }.count
        var h = """
        <!doctype html><html><head><meta charset="utf-8"><title>GraspSim \(xmlText(meta.runID))</title>
        <style>
        body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;max-width:1200px}
        h1{font-size:22px;margin:0 0 4px} .sub{color:#5b6475;margin-bottom:18px}
        table{border-collapse:collapse;width:100%;margin:12px 0 24px} th,td{padding:6px 10px;border-bottom:1px solid #e3e6ec;text-align:left}
        th{background:#f5f6f8;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
        .held{color:#17803d;font-weight:600} .failed{color:#c62828;font-weight:600}
        .fail{border:1px solid #f0c7c7;border-radius:8px;padding:12px 16px;margin:18px 0;background:#fffafa}
        code,pre{font:12px ui-monospace,monospace;background:#f3f4f7;padding:2px 5px;border-radius:4px} pre{padding:8px;overflow:auto}
        .legend span{display:inline-block;margin-right:14px;font-size:12px} .sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
        </style></head><body>
        <h1>GraspSim run \(xmlText(meta.runID))</h1>
        <div class="sub">\(xmlText(meta.command)) · \(meta.seeds) seeds from \(meta.seedStart)\(meta.shard.map { " · shard \($0)" } ?? "")\(meta.swarm ? " · swarm" : "") · \(fmt(meta.wallSeconds)) s on \(meta.jobs) jobs ·
        <span class="\(failing == 0 ? "held" : "failed")">\(failing == 0 ? "all invariants held" : "\(failing) scenario(s) failed")</span></div>
        <table><tr><th>scenario</th><th>verdict</th><th class="num">seeds</th><th class="num">failed seeds</th><th class="num">seeds/s</th><th class="num">sim/wall</th><th>broken invariants</th></tr>
        """
        for s in summaries {
            let failedSeeds = Set(s.failures.map(\.seed)).count
            let broken = Set(s.failures.flatMap { $0.violations.map(\.invariant) }).sorted().joined(separator: ", ")
            h += "<tr><td><a href=\"#\(anchor(s.name))\">\(xmlText(s.name))</a><br><small>\(xmlText(s.file))</small></td>"
            h += "<td class=\"\(failedSeeds == 0 ? "held" : "failed")\">\(failedSeeds == 0 ? "held" : "failed")</td>"
            h += "<td class=\"num\">\(s.seedsRun)</td><td class=\"num\">\(failedSeeds)</td>"
            h += "<td class=\"num\">\(fmt(s.wallSeconds > 0 ? Double(s.seedsRun) / s.wallSeconds : 0))</td>"
            h += "<td class=\"num\">\(Int(s.wallSeconds > 0 ? Double(s.simulatedNanos) / 1e9 / s.wallSeconds : 0))×</td>"
            h += "<td>\(xmlText(broken))</td></tr>\n"
        }
        h += "</table>\n"
        if details.isEmpty {
            h += "<p>No failures. Every invariant held for every seed.</p>"
        } else {
            h += "<h2>Failures</h2><p>One timeline per failing scenario (its first failing seed); the replay command reproduces it exactly.</p>"
        }
        for d in details {
            let f = d.failure
            h += "<div class=\"fail\" id=\"\(anchor(f.scenario))\"><h3>\(xmlText(f.scenario)) — seed \(f.seed) (\(xmlText(f.kind)))</h3>"
            h += "<p>Replay: <code>\(xmlText(replayCommand(f, meta: meta)))</code><br>Shrink: <code>\(xmlText(shrinkCommand(f, meta: meta)))</code></p><ul>"
            for v in f.violations { h += "<li><b>\(xmlText(v.invariant))</b> at \(Time.format(v.time)) on \(xmlText(v.node)): \(xmlText(v.message))</li>" }
            h += "</ul>"
            if let w = d.world { h += Timeline.svg(w, violations: f.violations) }
            h += "</div>\n"
        }
        h += "<h2>Invariants</h2><table><tr><th>name</th><th>meaning</th></tr>"
        for (n, s) in InvariantCatalog.all { h += "<tr><td><code>\(n)</code></td><td>\(xmlText(s))</td></tr>" }
        h += "<tr><td><code>determinism</code></td><td>the same seed gives the same trace hash when run again</td></tr></table>"
        h += "</body></html>\n"
        return h
    }

    static func anchor(_ s: String) -> String { "s-" + s.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined() }

    /// Writes the three files; returns the folder.
    @discardableResult
    public static func write(to dir: String, summaries: [ScenarioSummary], details: [FailureDetail], meta: Meta) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try summaryJSON(summaries, meta: meta).write(toFile: dir + "/summary.json", atomically: true, encoding: .utf8)
        try junitXML(summaries, meta: meta).write(toFile: dir + "/junit.xml", atomically: true, encoding: .utf8)
        try indexHTML(summaries, details: details, meta: meta).write(toFile: dir + "/index.html", atomically: true, encoding: .utf8)
        return dir
    }
}

/// An SVG picture of one run: a lane per node, events and pushes as marks, purgatory
/// entries as bars, faults as shaded bands, violations in red.
enum Timeline {
    static func svg(_ w: World, violations: [Violation]) -> String {
        // The axis covers the run up to its last recorded activity (plus a margin), not
        // the idle tail: a 40-minute run whose story happens in 3 minutes stays readable.
        let lastActivity = max(w.history.last?.time ?? 0, violations.map(\.time).filter { $0 < w.sim.now }.max() ?? 0)
        let end = max(Time.min(1), min(w.sim.now, lastActivity + max(Time.s(30), lastActivity / 10)))
        var lanes: [String] = w.replicas.map(\.name)
        if w.lockService != nil { lanes.append("locks") }
        lanes += w.scenario.actors.map(\.name)
        let laneH = 34.0, left = 120.0, width = 1000.0
        let top = 28.0
        let height = top + Double(lanes.count) * laneH + 40
        func x(_ t: SimTime) -> Double { left + Double(min(t, end)) / Double(end) * (width - left - 10) }
        func y(_ lane: String) -> Double { top + Double(lanes.firstIndex(of: lane) ?? 0) * laneH + laneH / 2 }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"system-ui,sans-serif\" font-size=\"11\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        // time axis
        let ticks = 8
        for i in 0...ticks {
            let t = end * Int64(i) / Int64(ticks)
            s += "<line x1=\"\(x(t))\" y1=\"\(top - 6)\" x2=\"\(x(t))\" y2=\"\(height - 30)\" stroke=\"#eceef2\"/>"
            s += "<text x=\"\(x(t))\" y=\"\(height - 14)\" text-anchor=\"middle\" fill=\"#5b6475\">\(Time.format(t))</text>"
        }
        for l in lanes {
            s += "<text x=\"8\" y=\"\(y(l) + 4)\" fill=\"#1d2330\">\(Report.xmlText(l))</text>"
            s += "<line x1=\"\(left)\" y1=\"\(y(l))\" x2=\"\(width - 10)\" y2=\"\(y(l))\" stroke=\"#d5d9e0\"/>"
        }
        // faults: bands from start to end across the whole picture
        var open: [String: SimTime] = [:]
        for h in w.history {
            guard case .fault(let text) = h.item else { continue }
            if text.hasPrefix("start ") { open[String(text.dropFirst(6))] = h.time }
            else if text.hasPrefix("end "), let st = open.removeValue(forKey: String(text.dropFirst(4))) {
                s += band(x(st), x(h.time), top, height - 30, String(text.dropFirst(4)))
            }
        }
        for (k, st) in open.sorted(by: { $0.value < $1.value }) { s += band(x(st), x(end), top, height - 30, k) }
        // purgatory bars per replica
        var held: [String: (SimTime, String, Int)] = [:]
        var bars: [(String, SimTime, SimTime, Int, String)] = []
        for h in w.history {
            guard case .relay(let replica, let obs) = h.item else { continue }
            switch obs {
            case .held(let e, _): if held[e.id] == nil { held[e.id] = (h.time, replica, e.kind) }
            case .left(let id, _, let why): if let st = held.removeValue(forKey: id) { bars.append((st.1, st.0, h.time, st.2, why)) }
            default: break
            }
        }
        for (id, st) in held.sorted(by: { $0.key < $1.key }) { bars.append((st.1, st.0, end, st.2, "waiting (\(id.prefix(6)))")) }
        for (i, b) in bars.enumerated() {
            let yy = y(b.0) - 12 + Double(i % 4) * 6
            let color = b.3 == 30617 ? "#7e57c2" : (b.3 == 30618 ? "#1e88e5" : "#00897b")
            s += "<rect x=\"\(x(b.1))\" y=\"\(yy)\" width=\"\(max(2, x(b.2) - x(b.1)))\" height=\"5\" fill=\"\(color)\" opacity=\"0.75\"><title>kind \(b.3) in purgatory \(Time.format(b.1))–\(Time.format(b.2)): \(b.4)</title></rect>"
        }
        // lock tenures as each replica saw them (grant → release)
        var tenures: [String: (SimTime, String, UInt64?)] = [:]
        var tenureBars: [(String, SimTime, SimTime, String, UInt64?)] = []
        for h in w.history {
            guard case .replica(let replica, let ev) = h.item else { continue }
            switch ev {
            case .lockGranted(let repo, let token): tenures[replica + "|" + repo] = (h.time, repo, token)
            case .lockReleased(let repo):
                if let t = tenures.removeValue(forKey: replica + "|" + repo) { tenureBars.append((replica, t.0, h.time, repo, t.2)) }
            default: break
            }
        }
        for (k, t) in tenures.sorted(by: { $0.key < $1.key }) { tenureBars.append((String(k.prefix { $0 != "|" }), t.0, end, t.1, t.2)) }
        for b in tenureBars {
            let repoName = b.3.split(separator: "/").last.map(String.init) ?? b.3
            s += "<rect x=\"\(x(b.1))\" y=\"\(y(b.0) + 5)\" width=\"\(max(2, x(b.2) - x(b.1)))\" height=\"6\" fill=\"#ef6c00\"><title>holds the lock of \(Report.xmlText(repoName)) \(Time.format(b.1))–\(Time.format(b.2))\(b.4.map { ", fencing token \($0)" } ?? "")</title></rect>"
        }
        // marks
        for h in w.history {
            switch h.item {
            case .published(let step, let actor, let e, let attempt):
                s += mark(x(h.time), y(actor), "#455a64", "circle", "\(step): publish kind \(e.kind) \(e.id.prefix(8)) (attempt \(attempt)) at \(Time.format(h.time))")
            case .okReceived(let step, let actor, _, let ok, let msg):
                s += mark(x(h.time), y(actor) + 8, ok ? "#43a047" : "#e53935", "tick", "\(step): OK \(ok) \(msg)")
            case .pushAnswered(let step, let actor, _, let results, let http):
                let ok = http == nil && results.allSatisfy(\.ok)
                s += mark(x(h.time), y(actor), ok ? "#2e7d32" : "#c62828", "square", "\(step): push \(ok ? "accepted" : "rejected: \(http ?? results.first { !$0.ok }?.error ?? "")")")
            case .cloned(let step, let actor, let head, _, let complete):
                s += mark(x(h.time), y(actor), complete ? "#6d4c41" : "#c62828", "diamond", "\(step): clone HEAD=\(head ?? "-")")
            case .relay(let replica, .served(let e, let how)):
                s += mark(x(h.time), y(replica) + 10, "#43a047", "tick", "served kind \(e.kind) \(e.id.prefix(8)) (\(how))")
            default: break
            }
        }
        for v in violations where v.time > 0 {
            let lane = lanes.contains(v.node) ? v.node : (lanes.first ?? "")
            s += "<g><line x1=\"\(x(v.time))\" y1=\"\(top - 8)\" x2=\"\(x(v.time))\" y2=\"\(height - 30)\" stroke=\"#d50000\" stroke-width=\"2\"/>"
            s += "<circle cx=\"\(x(v.time))\" cy=\"\(y(lane))\" r=\"6\" fill=\"#d50000\"><title>\(Report.xmlText(v.description))</title></circle></g>"
        }
        s += "</svg>"
        s += "<div class=\"legend\"><span><i class=\"sw\" style=\"background:#7e57c2\"></i>announcement in purgatory</span><span><i class=\"sw\" style=\"background:#1e88e5\"></i>state in purgatory</span><span><i class=\"sw\" style=\"background:#00897b\"></i>PR in purgatory</span><span><i class=\"sw\" style=\"background:#ef6c00\"></i>lock held</span><span><i class=\"sw\" style=\"background:#ffe0b2\"></i>fault</span><span>● publish ▪ push ◆ clone | OK/served</span><span style=\"color:#d50000\">┃ violation</span></div>"
        return s
    }

    static func band(_ x1: Double, _ x2: Double, _ top: Double, _ bottom: Double, _ label: String) -> String {
        "<rect x=\"\(x1)\" y=\"\(top - 6)\" width=\"\(max(2, x2 - x1))\" height=\"\(bottom - top + 6)\" fill=\"#ffe0b2\" opacity=\"0.5\"><title>\(Report.xmlText(label))</title></rect>"
    }

    static func mark(_ x: Double, _ y: Double, _ color: String, _ shape: String, _ title: String) -> String {
        let t = "<title>\(Report.xmlText(title))</title>"
        switch shape {
        case "circle": return "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"4\" fill=\"\(color)\">\(t)</circle>"
        case "square": return "<rect x=\"\(x - 4)\" y=\"\(y - 4)\" width=\"8\" height=\"8\" fill=\"\(color)\">\(t)</rect>"
        case "diamond": return "<polygon points=\"\(x),\(y - 5) \(x + 5),\(y) \(x),\(y + 5) \(x - 5),\(y)\" fill=\"\(color)\">\(t)</polygon>"
        default: return "<line x1=\"\(x)\" y1=\"\(y - 4)\" x2=\"\(x)\" y2=\"\(y + 4)\" stroke=\"\(color)\" stroke-width=\"2\">\(t)</line>"
        }
    }
}
