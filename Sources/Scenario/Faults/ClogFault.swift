extension FaultDescription {
    /// `clog: { from, to }`: messages from -> to are held, and delivered when it ends.
    static let clog = FaultDescription(
        keyword: "clog",
        meaning: "Messages from -> to are held and delivered when it ends.",
        decode: { d, e, _ in d.faultEndpoints(e, "'clog'").map { .clog(from: $0.from, to: $0.to) } },
        encode: { if case .clog(let from, let to) = $0 { ScenarioWriter.endpoints(from, to) } else { nil } },
        start: { if case .clog(let from, let to) = $0 { $1.clog(from: from, to: to) } },
        end: { if case .clog(let from, let to) = $0 { $1.release(from: from, to: to) } },
        random: RandomFaultDraw(name: "clog") { nodes, rng, duration in
            guard !nodes.relays.isEmpty, !nodes.actors.isEmpty else { return nil }
            let relay = RandomFaultNodes.pick(nodes.relays, &rng)
            let actor = RandomFaultNodes.pick(nodes.actors, &rng)
            let kind: FaultKind = rng.chance(0.5) ? .clog(from: actor, to: relay) : .clog(from: relay, to: actor)
            return (kind, duration(&rng))
        })
}
