extension StepActionDescription {
    /// `reconcile: <repo>` or `reconcile: { repo, relay }`: the relay reconciles the
    /// owner's copy with the repo's upstream, under the repository lock. No actor.
    static let reconcile = StepActionDescription(
        keyword: "reconcile",
        meaning: "The relay reconciles the owner's copy of the repo with its upstream (the repo needs one).",
        decode: { d, e, step in
            let r = d.reader
            let v = e.value
            let stepID = step.stepID
            let hasUpstream: (RepoSpec) -> String? = { repo in
                repo.upstream == nil
                    ? "step '\(stepID)' reconciles repo '\(repo.name)', which has no 'upstream'; give the repo one, e.g. upstream: { domain: up.example }"
                    : nil
            }
            if case .scalar = v {
                guard let repo = r.text(v, "'reconcile'") else { return nil }
                d.ref(.repoWhere(hasUpstream), repo, v)
                return .reconcile(repo: repo, relay: nil)
            }
            guard let f = r.fields(v, "'reconcile'", known: ["repo", "relay"]) else { return nil }
            var repo: String?
            if let n = f["repo"] {
                repo = r.text(n, "'repo'")
                if let repo { d.ref(.repoWhere(hasUpstream), repo, n) }
            } else {
                r.error(f.location, "missing required key 'repo' in 'reconcile'")
            }
            var relay: String?
            if let n = f["relay"], let t = r.text(n, "'relay'") {
                d.ref(.relayNode, t, n)
                relay = t
            }
            guard let repo else { return nil }
            return .reconcile(repo: repo, relay: relay)
        },
        encode: { a, _ in
            guard case .reconcile(let repo, let relay) = a else { return [] }
            guard let relay else { return ["reconcile: \(ScenarioWriter.scalar(repo))"] }
            return [
                "reconcile: \(ScenarioWriter.flow(["repo: \(ScenarioWriter.scalar(repo))", "relay: \(ScenarioWriter.scalar(relay))"]))"
            ]
        },
        perform: .byWorld { a, w in
            guard case .reconcile(let repo, let relay) = a else { return }
            w.reconcile(repo: repo, relay: relay)
        })
}
