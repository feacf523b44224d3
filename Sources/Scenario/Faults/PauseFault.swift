extension FaultDescription {
    /// `pause: <node>`: the node stops processing until the fault ends (a GC pause).
    static let pause = FaultDescription(
        keyword: "pause",
        meaning: "The node stops processing (a GC pause).",
        decode: { d, e, _ in d.faultNode(e.value, "'pause'").map { .pause($0) } },
        encode: { if case .pause(let n) = $0 { ScenarioWriter.scalar(n) } else { nil } },
        start: { if case .pause(let n) = $0 { $1.pause(n) } },
        end: { if case .pause(let n) = $0 { $1.resume(n) } },
        random: RandomFaultDraw(name: "pause") { nodes, rng, duration in
            guard !nodes.relays.isEmpty else { return nil }
            return (.pause(RandomFaultNodes.pick(nodes.relays, &rng)), duration(&rng))
        })
}
