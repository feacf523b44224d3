import Nostr

extension StepActionDescription {
    /// `delete: <step>` or `delete: [steps]`, with the step's `by: id | coordinate`.
    static let delete = StepActionDescription(
        keyword: "delete", meaning: "NIP-09 deletion of events published by these steps.",
        decode: { d, e, step in
            let r = d.reader
            let byCoordinate = step.byCoordinate
            let items = r.listOrOne(e.value)
            if items.isEmpty { r.error(e.value, "'delete' needs at least one step id") }
            var targets: [String] = []
            for item in items {
                guard let t = r.text(item, "a step id in 'delete'") else { continue }
                if targets.contains(t) { r.error(item, "step '\(t)' is listed twice in 'delete'") }
                d.ref(
                    .step({ target in
                        switch target.action {
                        case .announce, .state: return nil
                        case .pullRequest, .issue:
                            return byCoordinate
                                ? "step '\(t)' publishes \(target.action.keywordWithArticle) event, which has no coordinate; delete it 'by: id'"
                                : nil
                        default:
                            return
                                "'delete' names step '\(t)', \(target.action.keywordWithArticle) step, which publishes no deletable event"
                        }
                    }), t, item)
                targets.append(t)
            }
            return .delete(targets: targets, byCoordinate: byCoordinate)
        },
        encode: { a, _ in
            guard case .delete(let targets, let byCoordinate) = a else { return [] }
            return ["delete: \(ScenarioWriter.list(targets))"] + (byCoordinate ? ["by: coordinate"] : [])
        },
        perform: .publishes { a, _, w in
            guard case .delete(let targets, let byCoordinate) = a else { return nil }
            var named: [EventDraft.DeletionTarget] = []
            for t in targets {
                guard let e = w.publishedEvent(step: t) else { return nil }
                if byCoordinate, let key = e.replacementKey {
                    named.append(.coordinate(key.description, kind: e.kind))
                } else {
                    named.append(.event(id: e.id, kind: e.kind))
                }
            }
            return .draft(.deletion(named))
        })
}
