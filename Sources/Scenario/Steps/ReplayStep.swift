extension StepActionDescription {
    /// `replay: <step>`: the same event again (same id and created_at).
    static let replay = StepActionDescription(
        keyword: "replay",
        meaning: "Send again, unchanged (same id and created_at), the event this earlier step published.",
        decode: { d, e, _ in
            guard let t = d.reader.text(e.value, "a step id in 'replay'") else { return nil }
            d.ref(
                .step({ target in
                    switch target.action {
                    case .announce, .state, .pullRequest, .issue, .delete: return nil
                    default:
                        return
                            "'replay' names step '\(t)', \(target.action.keywordWithArticle) step, which publishes no event"
                    }
                }), t, e.value)
            return .replay(target: t)
        },
        encode: { a, _ in
            guard case .replay(let target) = a else { return [] }
            return ["replay: \(ScenarioWriter.scalar(target))"]
        },
        perform: .publishes { a, _, w in
            guard case .replay(let target) = a, let e = w.publishedEvent(step: target) else { return nil }
            return .signed(e)
        })
}
