extension ExpectationDescription {
    /// `rejected: <step>` or `rejected: { step, reason }`: the step's push or publish was
    /// finally rejected (with `reason` in the error text).
    static let rejected = ExpectationDescription(
        keyword: "rejected",
        meaning: "The step's push or publish was finally rejected.",
        decode: { d, e in
            guard let (id, f) = d.expectedStep(e, extra: ["reason"], ExpectedStep.attempts(e.key)) else { return nil }
            var reason: String?
            if let n = f?["reason"] { reason = d.reader.text(n, "'reason'") }
            return .rejected(step: id, reason: reason)
        },
        encode: { k in
            guard case .rejected(let step, let reason) = k else { return nil }
            let s = ScenarioWriter.scalar(step)
            return reason.map { ScenarioWriter.flow(["step: \(s)", "reason: \(ScenarioWriter.quoted($0))"]) } ?? s
        },
        judge: { k, run in
            guard case .rejected(let step, let reason) = k else { return nil }
            guard let o = run.outcome(step: step) else { return "expected \(step) rejected; it never finished" }
            if o.accepted { return "expected \(step) rejected; it was accepted" }
            if let reason, !o.message.contains(reason) {
                return "expected \(step) rejected with '\(reason)'; got '\(o.message)'"
            }
            return nil
        })
}
