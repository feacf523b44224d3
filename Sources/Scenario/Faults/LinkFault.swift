extension FaultDescription {
    /// `link: { from, to, latency, loss, duplicate, reorder }`: how a link behaves for a
    /// while; fields left out keep the scenario's `network`. Drawn at random as `loss`.
    static let link = FaultDescription(
        keyword: "link",
        meaning: "Link behaviour from -> to; unset fields inherit `network`.",
        decode: { d, e, network in
            guard let link = d.decodeLink(e.value, "'link'", base: network, endpoints: true),
                let from = link.from, let to = link.to
            else { return nil }
            return .link(from: from, to: to, link.spec)
        },
        encode: {
            if case .link(let from, let to, let spec) = $0 {
                ScenarioWriter.link(spec, from: from, to: to)
            } else {
                nil
            }
        },
        start: { if case .link(let from, let to, let spec) = $0 { $1.setLink(from: from, to: to, spec) } },
        end: { if case .link(let from, let to, _) = $0 { $1.resetLink(from: from, to: to) } },
        random: RandomFaultDraw(name: "loss") { nodes, rng, duration in
            guard !nodes.relays.isEmpty, !nodes.actors.isEmpty else { return nil }
            let actor = RandomFaultNodes.pick(nodes.actors, &rng)
            let relay = RandomFaultNodes.pick(nodes.relays, &rng)
            let length = duration(&rng)
            var link = nodes.network
            link.loss = ((0.05 + rng.unit() * 0.45) * 1000).rounded() / 1000
            return (.link(from: actor, to: relay, link), length)
        })
}
