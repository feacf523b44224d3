import SimKernel

extension ExpectationDescription {
    /// `not_served: <step>`: the step's event is never served.
    static let notServed = ExpectationDescription(
        keyword: "not_served",
        meaning: "The step's event is never served.",
        decode: { d, e in
            d.expectedStep(e, extra: [], ExpectedStep.publishes(e.key)).map { .notServed(step: $0.0) }
        },
        encode: { if case .notServed(let step) = $0 { ScenarioWriter.scalar(step) } else { nil } },
        judge: { k, run in
            guard case .notServed(let step) = k, let id = run.publishedEventID(step: step),
                let t = run.servedTime(eventID: id)
            else { return nil }
            return "expected \(step) never served; it was served at \(Time.format(t))"
        })
}
