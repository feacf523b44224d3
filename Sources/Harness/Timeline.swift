import Checks
import Relay
import RelayProcess
import SimKernel
import Sync

/// An SVG picture of one run: a lane per relay replica, the lock service and each actor,
/// plus a sync lane per replica that hunted git data or reconciled; events and pushes as
/// marks, purgatory entries and lock tenures as bars, faults as shaded bands, violations
/// in red. Every mark carries a tooltip. `legend` explains every colour and shape used.
enum Timeline {
    /// A time window to draw (the whole run when nil).
    struct Window {
        var from: SimTime
        var to: SimTime
    }

    /// The window around the first violation found while the run was active: a minute and
    /// a half before it (a lease's life, a backoff step) and half a minute after. Nil for
    /// violations found by end-of-run checks (the whole run is their context) and when
    /// the window would be most of the run anyway.
    static func window(_ w: World, around violations: [Violation]) -> Window? {
        let end = runEnd(w, violations)
        let lastActivity = w.history.last?.time ?? 0
        guard let focus = violations.map(\.time).filter({ $0 > 0 && $0 <= lastActivity }).min() else { return nil }
        let from = max(0, focus - Time.s(90))
        let to = min(end, focus + Time.s(30))
        return to - from < end.sinceStart * 3 / 4 ? Window(from: from, to: max(to, from + Time.s(1))) : nil
    }

    /// Ten-second windows around the moments a long axis hides: the first violation, each
    /// lock-service failover, and the first fencing refusal (at most five, in time order).
    static func zoomWindows(_ w: World, violations: [Violation]) -> [(String, Window)] {
        var moments: [(SimTime, String)] = []
        if let v = violations.filter({ $0.time > 0 }).min(by: { $0.time < $1.time }) {
            moments.append((v.time, "the first violation (\(v.invariant)) at \(Time.format(v.time))"))
        }
        for h in w.history {
            if case .fault(let text) = h.item, text.hasPrefix("lock service failover") {
                moments.append((h.time, "the lock-service failover at \(Time.format(h.time))"))
            }
        }
        if let r = w.storage.refusals.first {
            moments.append((r.time, "the first fencing refusal (\(r.writer)) at \(Time.format(r.time))"))
        }
        return moments.sorted { $0.0 < $1.0 }.prefix(5).map { t, label in
            (label, Window(from: max(0, t - Time.s(5)), to: t + Time.s(5)))
        }
    }

    /// The run up to its last recorded activity plus a margin, not the idle tail.
    static func runEnd(_ w: World, _ violations: [Violation]) -> SimTime {
        let lastActivity = max(w.history.last?.time ?? 0, violations.map(\.time).filter { $0 < w.sim.now }.max() ?? 0)
        return max(
            SimTime(sinceStart: Time.min(1)),
            min(w.sim.now, lastActivity + max(Time.s(30), lastActivity.sinceStart / 10)))
    }

    static func svg(_ w: World, violations: [Violation], window: Window?) -> String {
        let start = window?.from ?? 0
        let end = window?.to ?? runEnd(w, violations)
        var lanes: [String] = w.replicas.map(\.name)
        let syncLanes = Set(
            w.history.compactMap { h -> String? in
                if case .sync(let replica, let r) = h.item, r.isDrawn { return replica }
                return nil
            })
        lanes += w.replicas.map(\.name).filter(syncLanes.contains).map { $0 + " sync" }
        if w.lockService != nil { lanes.append("locks") }
        lanes += w.scenario.actors.map(\.name)
        let laneH = 34.0
        let left = 130.0
        let width = 1100.0
        let top = 28.0
        let height = top + Double(lanes.count) * laneH + 40
        func inside(_ t: SimTime) -> Bool { t >= start && t <= end }
        func x(_ t: SimTime) -> Double {
            left + Double((min(max(t, start), end) - start).nanoseconds) / Double(max(1, (end - start).nanoseconds))
                * (width - left - 10)
        }
        func y(_ lane: String) -> Double { top + Double(lanes.firstIndex(of: lane) ?? 0) * laneH + laneH / 2 }
        func bar(
            _ from: SimTime, _ to: SimTime, _ yy: Double, _ h: Double, _ color: String, _ title: String,
            opacity: Double = 1
        ) -> String {
            guard to >= start, from <= end else { return "" }
            return
                "<rect x=\"\(x(from))\" y=\"\(yy)\" width=\"\(max(2, x(to) - x(from)))\" height=\"\(h)\" fill=\"\(color)\" opacity=\"\(opacity)\"><title>\(Report.xmlText(title))</title></rect>"
        }
        var s =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"system-ui,sans-serif\" font-size=\"11\">"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        // Grid lines at round times (`1m30s`, `1m45s`, …), about eight of them.
        let step = tickStep(end - start)
        var t = SimTime(nanoseconds: (start.nanoseconds + step.nanoseconds - 1) / step.nanoseconds * step.nanoseconds)
        while t <= end {
            s += "<line x1=\"\(x(t))\" y1=\"\(top - 6)\" x2=\"\(x(t))\" y2=\"\(height - 30)\" stroke=\"#eceef2\"/>"
            s +=
                "<text x=\"\(x(t))\" y=\"\(height - 14)\" text-anchor=\"middle\" fill=\"#5b6475\">\(DurationText.format(t.sinceStart))</text>"
            t += step
        }
        for l in lanes {
            s += "<text x=\"8\" y=\"\(y(l) + 4)\" fill=\"#1d2330\">\(Report.xmlText(l))</text>"
            s += "<line x1=\"\(left)\" y1=\"\(y(l))\" x2=\"\(width - 10)\" y2=\"\(y(l))\" stroke=\"#d5d9e0\"/>"
        }
        // Faults: bands from start to end across the whole picture.
        var open: [String: SimTime] = [:]
        for h in w.history {
            guard case .fault(let text) = h.item else { continue }
            if text.hasPrefix("start ") {
                open[String(text.dropFirst(6))] = h.time
            } else if text.hasPrefix("end "), let st = open.removeValue(forKey: String(text.dropFirst(4))) {
                s += bar(
                    st, h.time, top - 6, height - 24 - top, "#ffe0b2", "fault: " + String(text.dropFirst(4)),
                    opacity: 0.5)
            } else if inside(h.time) {
                // One-off lifecycle facts (heal, lock-service failover): a thin band.
                s += bar(h.time, h.time, top - 6, height - 24 - top, "#ffb74d", text, opacity: 0.8)
            }
        }
        for (k, st) in open.sorted(by: { $0.value < $1.value }) {
            s += bar(st, end, top - 6, height - 24 - top, "#ffe0b2", "fault: " + k, opacity: 0.5)
        }
        s += purgatoryBars(w, end: max(end, w.sim.now), bar: bar, y: y)
        s += lockBars(w, end: max(end, w.sim.now), bar: bar, y: y)
        s += syncMarks(w, bar: bar, x: x, y: y, inside: inside)
        s += lockServiceMarks(w, x: x, y: y, inside: inside, hasLane: lanes.contains)
        for h in w.history where inside(h.time) {
            switch h.item {
            case .published(let step, let actor, let e, let attempt):
                s += mark(
                    x(h.time), y(actor), "#455a64", "circle",
                    "\(step): publish kind \(e.kind) \(e.id.prefix(8)) (attempt \(attempt)) at \(Time.format(h.time))")
            case .okReceived(let step, let actor, _, let ok, let msg):
                s += mark(
                    x(h.time), y(actor) + 8, ok ? "#43a047" : "#e53935", "tick",
                    "\(step): OK \(ok) \(msg) at \(Time.format(h.time))")
            case .pushAnswered(let step, let actor, _, let results, let http):
                let ok = http == nil && results.allSatisfy(\.ok)
                s += mark(
                    x(h.time), y(actor), ok ? "#2e7d32" : "#c62828", "square",
                    "\(step): push \(ok ? "accepted" : "rejected: \(http ?? results.first { !$0.ok }?.error ?? "")") at \(Time.format(h.time))"
                )
            case .cloned(let step, let actor, let head, _, let complete):
                s += mark(
                    x(h.time), y(actor), complete ? "#6d4c41" : "#c62828", "diamond",
                    "\(step): clone HEAD=\(head ?? "-")\(complete ? "" : ", objects missing") at \(Time.format(h.time))"
                )
            case .relay(let replica, .served(let e, let how)):
                s += mark(
                    x(h.time), y(replica) + 10, "#43a047", "tick",
                    "served kind \(e.kind) \(e.id.prefix(8)) (\(how)) at \(Time.format(h.time))")
            default: break
            }
        }
        for v in violations where v.time > 0 && inside(v.time) {
            let lane = lanes.contains(v.node) ? v.node : (lanes.first ?? "")
            s +=
                "<g><line x1=\"\(x(v.time))\" y1=\"\(top - 8)\" x2=\"\(x(v.time))\" y2=\"\(height - 30)\" stroke=\"#d50000\" stroke-width=\"2\"/>"
            s +=
                "<circle cx=\"\(x(v.time))\" cy=\"\(y(lane))\" r=\"6\" fill=\"#d50000\"><title>\(Report.xmlText(v.description))</title></circle></g>"
        }
        return s + "</svg>"
    }

    /// The smallest round step that cuts `span` into at most eight parts.
    static func tickStep(_ span: SimDuration) -> SimDuration {
        let steps: [SimDuration] =
            [1, 2, 5, 10, 20, 50, 100, 200, 500].map { Time.ms($0) }
            + [1, 2, 5, 10, 15, 30].map { Time.s($0) } + [1, 2, 5, 10, 15, 30].map { Time.min($0) }
            + [1, 2, 3, 6, 12].map { Time.hour * $0 } + [1, 2, 7, 30].map { Time.day * $0 }
        return steps.first { span / $0 <= 8 } ?? max(1, span / 8)
    }

    typealias Bar = (SimTime, SimTime, Double, Double, String, String, Double) -> String

    /// Purgatory entries per replica, coloured by kind.
    static func purgatoryBars(_ w: World, end: SimTime, bar: Bar, y: (String) -> Double) -> String {
        var held: [String: (SimTime, String, Int)] = [:]
        var bars: [(String, SimTime, SimTime, Int, String)] = []
        for h in w.history {
            guard case .relay(let replica, let obs) = h.item else { continue }
            switch obs {
            case .held(let e, _): if held[e.id] == nil { held[e.id] = (h.time, replica, e.kind) }
            case .left(let id, _, let why):
                if let st = held.removeValue(forKey: id) { bars.append((st.1, st.0, h.time, st.2, why)) }
            default: break
            }
        }
        for (id, st) in held.sorted(by: { $0.key < $1.key }) {
            bars.append((st.1, st.0, end, st.2, "still waiting (\(id.prefix(6)))"))
        }
        var s = ""
        for (i, b) in bars.enumerated() {
            let color = b.3 == 30617 ? "#7e57c2" : (b.3 == 30618 ? "#1e88e5" : "#00897b")
            s += bar(
                b.1, b.2, y(b.0) - 12 + Double(i % 4) * 6, 5, color,
                "kind \(b.3) in purgatory \(Time.format(b.1))–\(Time.format(b.2)): \(b.4)", 0.75)
        }
        return s
    }

    /// Lock tenures as each replica saw them (grant → release).
    static func lockBars(_ w: World, end: SimTime, bar: Bar, y: (String) -> Double) -> String {
        var tenures: [String: (SimTime, String, UInt64?)] = [:]
        var bars: [(String, SimTime, SimTime, String, UInt64?)] = []
        for h in w.history {
            guard case .replica(let replica, let ev) = h.item else { continue }
            switch ev {
            case .lockGranted(let repo, let token): tenures[replica + "|" + repo] = (h.time, repo, token)
            case .lockReleased(let repo):
                if let t = tenures.removeValue(forKey: replica + "|" + repo) {
                    bars.append((replica, t.0, h.time, repo, t.2))
                }
            default: break
            }
        }
        for (k, t) in tenures.sorted(by: { $0.key < $1.key }) {
            bars.append((String(k.prefix { $0 != "|" }), t.0, end, t.1, t.2))
        }
        return bars.map { b in
            let repoName = b.3.split(separator: "/").last.map(String.init) ?? b.3
            return bar(
                b.1, b.2, y(b.0) + 5, 6, "#ef6c00",
                "holds the lock of \(repoName) \(Time.format(b.1))–\(Time.format(b.2))\(b.4.map { ", fencing token \($0)" } ?? "")",
                1)
        }.joined()
    }

    /// On the lock service's lane: leases that lapsed while held and writes a failover lost;
    /// on a replica's lane: each write storage refused for its fencing token.
    static func lockServiceMarks(
        _ w: World, x: (SimTime) -> Double, y: (String) -> Double, inside: (SimTime) -> Bool,
        hasLane: (String) -> Bool
    ) -> String {
        var s = ""
        if let lock = w.lockService, hasLane("locks") {
            for e in lock.history where e.key.hasPrefix("lock:") && inside(e.time) {
                switch e.kind {
                case .expired:
                    s += mark(
                        x(e.time), y("locks") - 8, "#ef6c00", "cross",
                        "lease \(e.value ?? "?") on \(e.key) lapsed while held at \(Time.format(e.time))")
                case .failoverReverted:
                    s += mark(
                        x(e.time), y("locks") + 8, "#b71c1c", "cross",
                        "failover lost writes: \(e.key) is \(e.value.map { "back to \($0)" } ?? "gone") at \(Time.format(e.time))"
                    )
                default: break
                }
            }
        }
        for r in w.storage.refusals where inside(r.time) && hasLane(r.writer) {
            s += mark(
                x(r.time), y(r.writer) - 8, "#d50000", "cross",
                "fencing refused \(r.writer)'s \(r.operation) to \(r.repo) (token \(r.token.map(String.init) ?? "-")) at \(Time.format(r.time))"
            )
        }
        return s
    }

    /// The sync lane: fetches as bars coloured by outcome, the wait between an attempt's
    /// start and each of its fetches (throttling) in grey, hunts' ends, blocked domains
    /// and reconciliations.
    static func syncMarks(
        _ w: World, bar: Bar, x: (SimTime) -> Double, y: (String) -> Double, inside: (SimTime) -> Bool
    ) -> String {
        var s = ""
        var attemptAt: [String: SimTime] = [:]  // replica|identifier → attempt start
        var fetchAt: [String: (SimTime, String, String)] = [:]  // replica|request → start, identifier, domain
        for h in w.history {
            guard case .sync(let replica, let r) = h.item else { continue }
            let lane = replica + " sync"
            switch r {
            case .attemptStarted(let identifier, let attempt, let domains):
                attemptAt[replica + "|" + identifier] = h.time
                if inside(h.time) {
                    s += mark(
                        x(h.time), y(lane) - 10, "#546e7a", "tick",
                        "hunt \(identifier): attempt \(attempt) on \(domains.joined(separator: ", ")) at \(Time.format(h.time))"
                    )
                }
            case .fetchStarted(let request, let identifier, let domain):
                if let a = attemptAt[replica + "|" + identifier], h.time > a {
                    s += bar(
                        a, h.time, y(lane) - 2, 3, "#9e9e9e",
                        "\(identifier): waited \(Time.format(h.time - a)) for \(domain)'s throttle", 1)
                }
                fetchAt[replica + "|\(request)"] = (h.time, identifier, domain)
            case .fetchEnded(let request, _, _, let outcome, let objects):
                guard let f = fetchAt.removeValue(forKey: replica + "|\(request)") else { continue }
                s += bar(
                    f.0, h.time, y(lane) + 2, 6, fetchColor(outcome),
                    "fetch of \(f.1) from \(f.2): \(outcome.rawValue), \(objects) objects, \(Time.format(f.0))–\(Time.format(h.time))",
                    1)
            case .huntEnded(let identifier, let why):
                if inside(h.time) {
                    s += mark(
                        x(h.time), y(lane), why == "satisfied" ? "#2e7d32" : "#c62828", "square",
                        "hunt for \(identifier) ended: \(why) at \(Time.format(h.time))")
                }
            case .domainBlocked(let domain, let blockedFor):
                let until = h.time + blockedFor
                s += bar(h.time, until, y(lane) + 9, 3, "#b71c1c", "\(domain) blocked until \(Time.format(until))", 0.6)
            case .reconciled(let rec):
                if inside(h.time) {
                    s += mark(
                        x(h.time), y(lane), "#6a1b9a", "diamond",
                        "reconciled \(rec.repo.d) with \(rec.domain): \(rec.outcome.rawValue)\(rec.pushFailed ? " (push failed)" : "") at \(Time.format(h.time))"
                    )
                }
            case .ignoredExpired(let identifier):
                if inside(h.time) {
                    s += mark(
                        x(h.time), y(lane) - 10, "#8d6e63", "tick",
                        "synced event for expired \(identifier) ignored at \(Time.format(h.time))")
                }
            case .waiting, .attemptEnded, .reset:
                break
            }
        }
        return s
    }

    static func fetchColor(_ o: FetchOutcome) -> String {
        switch o {
        case .complete: return "#2e7d32"
        case .partial: return "#26a69a"
        case .nothingNew: return "#90a4ae"
        case .rateLimited: return "#fb8c00"
        case .failed: return "#c62828"
        }
    }

    /// Every colour and shape the pictures use.
    static let legend: String = {
        func sw(_ color: String, _ text: String) -> String {
            "<span><i class=\"sw\" style=\"background:\(color)\"></i>\(text)</span>"
        }
        return "<div class=\"legend\">"
            + sw("#7e57c2", "announcement in purgatory") + sw("#1e88e5", "state in purgatory")
            + sw("#00897b", "PR in purgatory")
            + sw("#ef6c00", "lock held (as the replica saw it)") + sw("#ffe0b2", "fault")
            + sw("#ffb74d", "heal / lock failover")
            + "<br>"
            + "<span>● publish attempt</span><span style=\"color:#43a047\">| OK true</span><span style=\"color:#e53935\">| OK false (a retried step repeats it: a red bar of ticks)</span>"
            + "<span style=\"color:#43a047\">| on a relay lane: served</span>"
            + "<span style=\"color:#2e7d32\">▪ push accepted</span><span style=\"color:#c62828\">▪ push rejected or 503</span>"
            + "<span style=\"color:#6d4c41\">◆ clone</span><span style=\"color:#c62828\">◆ clone missing objects</span>"
            + "<br><b style=\"font-size:12px;margin-right:10px\">sync lane:</b>"
            + sw("#2e7d32", "fetch: complete") + sw("#26a69a", "partial") + sw("#90a4ae", "nothing new")
            + sw("#fb8c00", "rate limited (429)")
            + sw("#c62828", "failed") + sw("#9e9e9e", "waiting for the domain's throttle")
            + sw("#b71c1c", "domain blocked")
            + "<span style=\"color:#546e7a\">| hunt attempt</span><span>▪ hunt ended (green satisfied, red expired/gave up)</span><span style=\"color:#6a1b9a\">◆ reconciliation</span>"
            + "<br><b style=\"font-size:12px;margin-right:10px\">locks:</b><span style=\"color:#ef6c00\">✕ lease lapsed while held</span>"
            + "<span style=\"color:#b71c1c\">✕ write lost in a failover</span><span style=\"color:#d50000\">✕ on a replica: write refused by fencing</span>"
            + "<br><span style=\"color:#d50000\">┃● violation (hover for its message)</span>"
            + "</div>"
    }()

    static func mark(_ x: Double, _ y: Double, _ color: String, _ shape: String, _ title: String) -> String {
        let t = "<title>\(Report.xmlText(title))</title>"
        switch shape {
        case "circle": return "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"4\" fill=\"\(color)\">\(t)</circle>"
        case "square":
            return "<rect x=\"\(x - 4)\" y=\"\(y - 4)\" width=\"8\" height=\"8\" fill=\"\(color)\">\(t)</rect>"
        case "cross":
            return
                "<path d=\"M\(x - 4) \(y - 4) L\(x + 4) \(y + 4) M\(x - 4) \(y + 4) L\(x + 4) \(y - 4)\" stroke=\"\(color)\" stroke-width=\"2\">\(t)</path>"
        case "diamond":
            return
                "<polygon points=\"\(x),\(y - 5) \(x + 5),\(y) \(x),\(y + 5) \(x - 5),\(y)\" fill=\"\(color)\">\(t)</polygon>"
        default:
            return
                "<line x1=\"\(x)\" y1=\"\(y - 4)\" x2=\"\(x)\" y2=\"\(y + 4)\" stroke=\"\(color)\" stroke-width=\"2\">\(t)</line>"
        }
    }
}

extension SyncRecord {
    /// Records the sync lane draws (a lane appears only for a replica that has some).
    var isDrawn: Bool {
        switch self {
        case .attemptStarted, .fetchStarted, .fetchEnded, .huntEnded, .domainBlocked, .reconciled, .ignoredExpired:
            return true
        case .waiting, .attemptEnded, .reset: return false
        }
    }
}
