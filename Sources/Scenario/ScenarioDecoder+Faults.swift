import Foundation
import SimKernel
import Yams

/// Decoding faults and random faults (see `ScenarioDecoder`).
extension ScenarioDecoder {
    static let faultKeys = ["at", "after", "delay", "for"] + FaultKind.keywords

    func decodeFaults(_ node: Node, network: LinkSpec) -> [FaultSpec] {
        let r = reader
        guard let items = r.list(node, "'faults'") else { return [] }
        var out: [FaultSpec] = []
        for item in items {
            guard let f = r.fields(item, "a fault", known: Self.faultKeys) else { continue }
            let timing = decodeTiming(f, "fault", flatIndex: nil)
            var duration: SimDuration?, durationMax: SimDuration?
            if let n = f["for"], let (lo, hi, _) = r.durationRange(n, "'for'") {
                if lo <= 0 { r.error(n, "'for' must be longer than 0 (leave it out to last until healing)") }
                duration = lo
                if hi > lo { durationMax = hi }
            }
            let kinds = f.entries.filter { FaultKind.keywords.contains($0.key) }
            guard let k = kinds.first else {
                r.error(f.location, "a fault needs one kind: \(FaultKind.keywords.joined(separator: ", "))")
                continue
            }
            for extra in kinds.dropFirst() {
                r.error(extra.keyNode, "a fault has exactly one kind, but this one has both '\(k.key)' and '\(extra.key)'")
            }
            guard let kind = decodeFaultKind(k, network: network), let timing else { continue }
            out.append(FaultSpec(kind: kind, timing: timing, duration: duration, durationMax: durationMax, location: r.location(item)))
        }
        return out
    }

    func decodeFaultKind(_ e: Fields.Entry, network: LinkSpec) -> FaultKind? {
        let r = reader
        let v = e.value
        func node(_ n: Node, _ what: String) -> String? {
            guard let t = r.text(n, what) else { return nil }
            ref(.node, t, n)
            return t
        }
        switch e.key {
        case "partition":
            guard let sides = r.list(v, "'partition'") else { return nil }
            guard sides.count == 2 else {
                r.error(v, "'partition' must list exactly two sides, like [[alice], [relay]], found \(sides.count)")
                return nil
            }
            var groups: [[String]] = []
            var seen: [String: Int] = [:]
            for (i, side) in sides.enumerated() {
                let members = r.listOrOne(side)
                if members.isEmpty { r.error(side, "each side of a partition needs at least one node") }
                var g: [String] = []
                for m in members {
                    guard let name = node(m, "a node in 'partition'") else { continue }
                    if let other = seen[name] {
                        r.error(m, other == i ? "node '\(name)' is listed twice on one side"
                                              : "node '\(name)' is on both sides of the partition")
                    }
                    seen[name] = i
                    g.append(name)
                }
                groups.append(g)
            }
            return .partition(groups[0], groups[1])
        case "one_way", "clog":
            guard let f = r.fields(v, "'\(e.key)'", known: ["from", "to"]) else { return nil }
            let (from, to) = decodeEndpoints(f, "'\(e.key)'")
            guard let from, let to else { return nil }
            return e.key == "clog" ? .clog(from: from, to: to) : .oneWay(from: from, to: to)
        case "pause":
            return node(v, "'pause'").map { .pause($0) }
        case "crash":
            return node(v, "'crash'").map { .crash($0) }
        case "link":
            guard let link = decodeLink(v, "'link'", base: network, endpoints: true),
                  let from = link.from, let to = link.to else { return nil }
            return .link(from: from, to: to, link.spec)
        case "skew":
            guard let f = r.fields(v, "'skew'", known: ["node", "by", "drift_ppm"]) else { return nil }
            var name: String?
            if let n = f["node"] { name = node(n, "'node'") } else { r.error(f.location, "missing required key 'node' in 'skew'") }
            var by: SimDuration = 0
            if let n = f["by"] {
                guard let d = r.duration(n, "'by'", allowNegative: true) else { return nil }
                by = d
            }
            var drift: Int64 = 0
            if let n = f["drift_ppm"] {
                guard let d = r.integer(n, "'drift_ppm'") else { return nil }
                if d <= -1_000_000 || d >= 1_000_000 { r.error(n, "'drift_ppm' must be between -999999 and 999999, found \(d)") }
                drift = d
            }
            if f["by"] == nil && f["drift_ppm"] == nil {
                r.error(f.location, "'skew' needs 'by' (a clock offset like -3s) and/or 'drift_ppm'")
            }
            guard let name else { return nil }
            return .skew(name, skew: by, driftPPM: drift)
        default:
            return nil
        }
    }

    func decodeRandomFaults(_ node: Node, scenario s: Scenario) -> RandomFaultSpec? {
        let r = reader
        guard let f = r.fields(node, "'random_faults'", known: ["kinds", "per_hour", "window", "duration"]) else { return nil }
        var kinds: [String] = []
        if let n = f["kinds"], let items = r.list(n, "'kinds'") {
            if items.isEmpty { r.error(n, "'kinds' must list at least one of: \(RandomFaultSpec.knownKinds.joined(separator: ", "))") }
            for item in items {
                guard let k = r.text(item, "a fault kind") else { continue }
                if !RandomFaultSpec.knownKinds.contains(k) {
                    var m = "unknown random fault kind '\(k)'"
                    if let near = Suggest.closest(to: k, among: RandomFaultSpec.knownKinds) { m += "; did you mean '\(near)'?" }
                    else { m += " (known: \(RandomFaultSpec.knownKinds.joined(separator: ", ")))" }
                    r.error(item, m)
                    continue
                }
                if kinds.contains(k) { r.error(item, "fault kind '\(k)' is listed twice") }
                kinds.append(k)
            }
        } else if f["kinds"] == nil {
            r.error(f.location, "missing required key 'kinds' in 'random_faults'")
        }
        var perHour: Double = 0
        if let n = f["per_hour"] {
            if let v = r.number(n, "'per_hour'") {
                if v < 0 { r.error(n, "'per_hour' must not be negative, found \(NodeReader.scalarText(n))") }
                if v > 3600 { r.error(n, "'per_hour' must be at most 3600 (one fault a second), found \(NodeReader.scalarText(n))") }
                perHour = v
            }
        } else { r.error(f.location, "missing required key 'per_hour' in 'random_faults'") }
        var start: SimDuration = 0, end = s.healAt ?? s.duration
        if let n = f["window"], let (lo, hi, _) = r.durationRange(n, "'window'") { start = lo; end = hi }
        var minD = Time.s(1), maxD = Time.min(1)
        if let n = f["duration"], let (lo, hi, _) = r.durationRange(n, "'duration'") {
            if lo <= 0 { r.error(n, "random fault durations must be longer than 0") }
            minD = lo; maxD = hi
        }
        return RandomFaultSpec(kinds: kinds, perHour: perHour, start: start, end: end,
                               minDuration: minD, maxDuration: maxD, location: r.location(node))
    }
}
