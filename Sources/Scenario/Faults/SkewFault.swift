import SimKernel

extension FaultDescription {
    /// `skew: { node, by, drift_ppm }`: the node's clock runs off by `by` and drifts.
    static let skew = FaultDescription(
        keyword: "skew",
        meaning: "Clock offset and drift of a node.",
        decode: { d, e, _ in
            let r = d.reader
            guard let f = r.fields(e.value, "'skew'", known: ["node", "by", "drift_ppm"]) else { return nil }
            var name: String?
            if let n = f["node"] {
                name = d.faultNode(n, "'node'")
            } else {
                r.error(f.location, "missing required key 'node' in 'skew'")
            }
            var by: SimDuration = 0
            if let n = f["by"] {
                guard let v = r.duration(n, "'by'", allowNegative: true) else { return nil }
                by = v
            }
            var drift: Int64 = 0
            if let n = f["drift_ppm"] {
                guard let v = r.integer(n, "'drift_ppm'") else { return nil }
                if v <= -1_000_000 || v >= 1_000_000 {
                    r.error(n, "'drift_ppm' must be between -999999 and 999999, found \(v)")
                }
                drift = v
            }
            if f["by"] == nil && f["drift_ppm"] == nil {
                r.error(f.location, "'skew' needs 'by' (a clock offset like -3s) and/or 'drift_ppm'")
            }
            guard let name else { return nil }
            return .skew(name, skew: by, driftPPM: drift)
        },
        encode: {
            guard case .skew(let n, let skew, let drift) = $0 else { return nil }
            return ScenarioWriter.flow([
                "node: \(ScenarioWriter.scalar(n))", "by: \(DurationText.format(skew))", "drift_ppm: \(drift)",
            ])
        },
        start: { if case .skew(let n, let skew, let drift) = $0 { $1.setClock(n, skew: skew, driftPPM: drift) } },
        end: { if case .skew(let n, _, _) = $0 { $1.setClock(n, skew: 0, driftPPM: 0) } },
        // A replica's, the lock service's or an actor's clock stepped by up to two minutes
        // either way (a late NTP correction) and running up to 500 ppm off; it steps back
        // when the fault ends.
        random: RandomFaultDraw(name: "skew") { nodes, rng, duration in
            let clocks = nodes.relays + nodes.lockService + nodes.actors
            guard !clocks.isEmpty else { return nil }
            let node = RandomFaultNodes.pick(clocks, &rng)
            let by = Time.ms(rng.int(in: -120_000...120_000))
            let drift = rng.int(in: -500...500)
            return (.skew(node, skew: by, driftPPM: drift), duration(&rng))
        })
}
