extension ExpectationDescription {
    /// `reconciled: { repo, outcome }`: the repository's last reconciliation with its
    /// upstream reported this outcome.
    static let reconciled = ExpectationDescription(
        keyword: "reconciled",
        meaning: "The repo's last reconciliation reported this outcome.",
        decode: { d, e in
            let r = d.reader
            guard let f = r.fields(e.value, "'reconciled'", known: ["repo", "outcome"]) else { return nil }
            var repo: String?
            if let n = d.required(f, "repo", in: "reconciled") {
                repo = r.text(n, "'repo'")
                if let repo {
                    d.ref(
                        .repoWhere({ spec in
                            spec.upstream == nil
                                ? "'reconciled' is about reconciliation with an upstream, but repo '\(spec.name)' has no 'upstream'"
                                : nil
                        }), repo, n)
                }
            }
            let outcomes = ReconcileOutcomeName.all
            var outcome: String?
            if let n = d.required(f, "outcome", in: "reconciled", " (one of: \(outcomes.joined(separator: ", ")))"),
                let o = r.text(n, "'outcome'")
            {
                if outcomes.contains(o) {
                    outcome = o
                } else {
                    var m = "unknown reconciliation outcome '\(o)'"
                    if let near = Suggest.closest(to: o, among: outcomes) {
                        m += "; did you mean '\(near)'?"
                    } else {
                        m += " (outcomes: \(outcomes.joined(separator: ", ")))"
                    }
                    r.error(n, m)
                }
            }
            guard let repo, let outcome else { return nil }
            return .reconciled(repo: repo, outcome: outcome)
        },
        encode: { k in
            guard case .reconciled(let repo, let outcome) = k else { return nil }
            return ScenarioWriter.flow([
                "repo: \(ScenarioWriter.scalar(repo))", "outcome: \(ScenarioWriter.scalar(outcome))",
            ])
        },
        judge: { k, run in
            guard case .reconciled(let repo, let outcome) = k else { return nil }
            guard let last = run.lastReconciliation(repo: repo) else {
                return "expected \(repo) to be reconciled (\(outcome)); no reconciliation finished"
            }
            return last == outcome
                ? nil : "expected the last reconciliation of \(repo) to be \(outcome); it was \(last)"
        })
}

/// What `reconciled:` accepts (the reconciler's outcome names, docs/sync.md).
enum ReconcileOutcomeName {
    static let all = ["in-sync", "fast-forwarded", "pushed-ahead", "rebased", "conflict-escaped", "fetch-failed"]
}
