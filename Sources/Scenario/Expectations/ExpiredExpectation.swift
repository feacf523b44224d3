import SimKernel

extension ExpectationDescription {
    /// `expired: <step>` or `expired: { step, between: lo..hi }`: the step's event left
    /// purgatory by expiry (within that window of the run).
    static let expired = ExpectationDescription(
        keyword: "expired",
        meaning: "The step's event left purgatory by expiry (within a window).",
        decode: { d, e in
            guard let (id, f) = d.expectedStep(e, extra: ["between"], ExpectedStep.waitsInPurgatory) else {
                return nil
            }
            var lo: SimDuration?
            var hi: SimDuration?
            if let n = f?["between"], let (l, h, _) = d.reader.durationRange(n, "'between'") {
                lo = l
                hi = h
            }
            return .expired(step: id, lo: lo, hi: hi)
        },
        encode: { k in
            guard case .expired(let step, let lo, let hi) = k else { return nil }
            guard let lo, let hi else { return ScenarioWriter.scalar(step) }
            return ScenarioWriter.flow([
                "step: \(ScenarioWriter.scalar(step))", "between: \(DurationText.formatRange(lo, hi))",
            ])
        },
        judge: { k, run in
            guard case .expired(let step, let lo, let hi) = k else { return nil }
            guard let id = run.publishedEventID(step: step) else {
                return "expected \(step) to expire; it never published"
            }
            guard let t = run.expiryTime(eventID: id) else {
                return "expected \(step) (\(id.prefix(8))) to expire from purgatory; it did not"
            }
            var problems: [String] = []
            if let lo, t.sinceStart < lo {
                problems.append("expected \(step) to expire after \(Time.format(lo)); it expired at \(Time.format(t))")
            }
            if let hi, t.sinceStart > hi {
                problems.append("expected \(step) to expire by \(Time.format(hi)); it expired at \(Time.format(t))")
            }
            return problems.first
        })
}
