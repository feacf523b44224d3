import SimKernel

extension ExpectationDescription {
    /// `served: <step>` or `served: { step, by }`: the step's event is served (by a time).
    static let served = ExpectationDescription(
        keyword: "served",
        meaning: "The step's event is served (by a time, or by the end).",
        decode: { d, e in
            guard let (id, f) = d.expectedStep(e, extra: ["by"], ExpectedStep.publishes(e.key)) else { return nil }
            var by: SimDuration?
            if let n = f?["by"] { by = d.reader.duration(n, "'by'") }
            return .served(step: id, by: by)
        },
        encode: { k in
            guard case .served(let step, let by) = k else { return nil }
            let s = ScenarioWriter.scalar(step)
            return by.map { ScenarioWriter.flow(["step: \(s)", "by: \(DurationText.format($0))"]) } ?? s
        },
        judge: { k, run in
            guard case .served(let step, let by) = k else { return nil }
            guard let id = run.publishedEventID(step: step) else {
                return "expected \(step) to be served, but it never published an event (\(run.describeOutcome(step)))"
            }
            guard let t = run.servedTime(eventID: id) else {
                return "expected \(step) (\(id.prefix(8))) to be served; it never was (\(run.describeOutcome(step)))"
            }
            if let by, t.sinceStart > by {
                return "expected \(step) served by \(Time.format(by)); it was served at \(Time.format(t))"
            }
            return nil
        })
}
