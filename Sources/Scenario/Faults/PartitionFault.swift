extension FaultDescription {
    /// `partition: [[a, b], [relay]]`: two sides that cannot reach each other.
    static let partition = FaultDescription(
        keyword: "partition",
        meaning: "Two sides that cannot reach each other.",
        decode: { d, e, _ in
            let r = d.reader
            guard let sides = r.list(e.value, "'partition'") else { return nil }
            guard sides.count == 2 else {
                r.error(
                    e.value, "'partition' must list exactly two sides, like [[alice], [relay]], found \(sides.count)")
                return nil
            }
            var groups: [[String]] = []
            var seen: [String: Int] = [:]
            for (i, side) in sides.enumerated() {
                let members = r.listOrOne(side)
                if members.isEmpty { r.error(side, "each side of a partition needs at least one node") }
                var g: [String] = []
                for m in members {
                    guard let name = d.faultNode(m, "a node in 'partition'") else { continue }
                    if let other = seen[name] {
                        r.error(
                            m,
                            other == i
                                ? "node '\(name)' is listed twice on one side"
                                : "node '\(name)' is on both sides of the partition")
                    }
                    seen[name] = i
                    g.append(name)
                }
                groups.append(g)
            }
            return .partition(groups[0], groups[1])
        },
        encode: {
            if case .partition(let a, let b) = $0 {
                "[\(ScenarioWriter.list(a)), \(ScenarioWriter.list(b))]"
            } else {
                nil
            }
        },
        start: { if case .partition(let a, let b) = $0 { $1.partition(a, b) } },
        end: { if case .partition(let a, let b) = $0 { $1.heal(a, b) } },
        random: RandomFaultDraw(name: "partition") { nodes, rng, duration in
            let all = nodes.all
            guard all.count >= 2 else { return nil }
            let i = rng.int(in: 0..<all.count)
            let kind = FaultKind.partition([all[i]], all.enumerated().filter { $0.offset != i }.map(\.element))
            return (kind, duration(&rng))
        })
}
