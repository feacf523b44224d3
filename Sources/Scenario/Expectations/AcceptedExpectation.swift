extension ExpectationDescription {
    /// `accepted: <step>`: the step's push or publish finally succeeded.
    static let accepted = ExpectationDescription(
        keyword: "accepted",
        meaning: "The step's push or publish finally succeeded.",
        decode: { d, e in
            d.expectedStep(e, extra: [], ExpectedStep.attempts(e.key)).map { .accepted(step: $0.0) }
        },
        encode: { if case .accepted(let step) = $0 { ScenarioWriter.scalar(step) } else { nil } },
        judge: { k, run in
            guard case .accepted(let step) = k else { return nil }
            guard let o = run.outcome(step: step) else { return "expected \(step) accepted; it never finished" }
            return o.accepted ? nil : "expected \(step) accepted; it was rejected: \(o.message)"
        })
}
