extension FaultDescription {
    /// `isolate: <node>`: the node can reach no other node, and none can reach it (a
    /// partition with the node on one side and everyone else on the other).
    static let isolate = FaultDescription(
        keyword: "isolate",
        meaning: "The node is cut off from every other node.",
        decode: { d, e, _ in d.faultNode(e.value, "'isolate'").map { .isolate($0) } },
        encode: { if case .isolate(let n) = $0 { ScenarioWriter.scalar(n) } else { nil } },
        start: { if case .isolate(let n) = $0 { $1.partition([n], $1.everyone(except: n)) } },
        end: { if case .isolate(let n) = $0 { $1.heal([n], $1.everyone(except: n)) } },
        random: nil)
}
