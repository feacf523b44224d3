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
            var duration: SimDuration?
            var durationMax: SimDuration?
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
                r.error(
                    extra.keyNode, "a fault has exactly one kind, but this one has both '\(k.key)' and '\(extra.key)'")
            }
            guard let kind = decodeFaultKind(k, network: network), let timing else { continue }
            out.append(
                FaultSpec(
                    kind: kind, timing: timing, duration: duration, durationMax: durationMax, location: r.location(item)
                ))
        }
        return out
    }

    func decodeFaultKind(_ e: Fields.Entry, network: LinkSpec) -> FaultKind? {
        FaultKind.descriptions.first { $0.keyword == e.key }?.decode(self, e, network)
    }

    /// A node name in a fault (checked against the scenario's nodes later).
    func faultNode(_ n: Node, _ what: String) -> String? {
        guard let t = reader.text(n, what) else { return nil }
        ref(.node, t, n)
        return t
    }

    /// `{ from, to }` of a fault between two nodes.
    func faultEndpoints(_ e: Fields.Entry, _ what: String) -> (from: String, to: String)? {
        guard let f = reader.fields(e.value, what, known: ["from", "to"]) else { return nil }
        let (from, to) = decodeEndpoints(f, what)
        guard let from, let to else { return nil }
        return (from, to)
    }

    func decodeRandomFaults(_ node: Node, scenario s: Scenario) -> RandomFaultSpec? {
        let r = reader
        guard let f = r.fields(node, "'random_faults'", known: ["kinds", "per_hour", "window", "duration"]) else {
            return nil
        }
        var kinds: [String] = []
        if let n = f["kinds"], let items = r.list(n, "'kinds'") {
            if items.isEmpty {
                r.error(n, "'kinds' must list at least one of: \(FaultKind.randomKinds.joined(separator: ", "))")
            }
            for item in items {
                guard let k = r.text(item, "a fault kind") else { continue }
                if !FaultKind.randomKinds.contains(k) {
                    var m = "unknown random fault kind '\(k)'"
                    if let near = Suggest.closest(to: k, among: FaultKind.randomKinds) {
                        m += "; did you mean '\(near)'?"
                    } else {
                        m += " (known: \(FaultKind.randomKinds.joined(separator: ", ")))"
                    }
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
                if v > 3600 {
                    r.error(
                        n, "'per_hour' must be at most 3600 (one fault a second), found \(NodeReader.scalarText(n))")
                }
                perHour = v
            }
        } else {
            r.error(f.location, "missing required key 'per_hour' in 'random_faults'")
        }
        var start: SimDuration = 0
        var end = s.healAt ?? s.duration
        if let n = f["window"], let (lo, hi, _) = r.durationRange(n, "'window'") {
            start = lo
            end = hi
        }
        var minD = Time.s(1)
        var maxD = Time.min(1)
        if let n = f["duration"], let (lo, hi, _) = r.durationRange(n, "'duration'") {
            if lo <= 0 { r.error(n, "random fault durations must be longer than 0") }
            minD = lo
            maxD = hi
        }
        return RandomFaultSpec(
            kinds: kinds, perHour: perHour, start: start, end: end,
            minDuration: minD, maxDuration: maxD, location: r.location(node))
    }
}
