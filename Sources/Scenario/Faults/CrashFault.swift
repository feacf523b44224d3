extension FaultDescription {
    /// `crash: <node>`: the node crashes, and restarts when the fault ends (or at healing).
    static let crash = FaultDescription(
        keyword: "crash",
        meaning: "The node crashes; it restarts when the fault ends.",
        decode: { d, e, _ in d.faultNode(e.value, "'crash'").map { .crash($0) } },
        encode: { if case .crash(let n) = $0 { ScenarioWriter.scalar(n) } else { nil } },
        start: { if case .crash(let n) = $0 { $1.crash(n) } },
        end: { if case .crash(let n) = $0 { $1.restart(n) } },
        random: RandomFaultDraw(name: "crash") { nodes, rng, duration in
            guard !nodes.relays.isEmpty else { return nil }
            return (.crash(RandomFaultNodes.pick(nodes.relays, &rng)), duration(&rng))
        })
}
