extension FaultDescription {
    /// `one_way: { from, to }`: messages from -> to are dropped; the other way works.
    static let oneWay = FaultDescription(
        keyword: "one_way",
        meaning: "Messages from -> to are dropped.",
        decode: { d, e, _ in d.faultEndpoints(e, "'one_way'").map { .oneWay(from: $0.from, to: $0.to) } },
        encode: { if case .oneWay(let from, let to) = $0 { ScenarioWriter.endpoints(from, to) } else { nil } },
        start: { if case .oneWay(let from, let to) = $0 { $1.cut(from: from, to: to) } },
        end: { if case .oneWay(let from, let to) = $0 { $1.repair(from: from, to: to) } },
        random: nil)
}
