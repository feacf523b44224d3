extension StepActionDescription {
    /// `push_pr: { repo, pr, commit, raw_ref }`: push to `refs/nostr/<id of the PR event>`.
    static let pushPR = StepActionDescription(
        keyword: "push_pr", meaning: "Push a commit to refs/nostr/<id of the PR event>.",
        decode: { d, e, _ in
            let r = d.reader
            guard let f = r.fields(e.value, "'push_pr'", known: ["repo", "pr", "commit", "raw_ref"]) else {
                return nil
            }
            let repo = d.stepRepo(f, "push_pr")
            var pr: String?
            if let n = f["pr"] {
                pr = r.text(n, "'pr'")
                if let pr {
                    d.ref(
                        .step({ target in
                            if case .pullRequest = target.action { return nil }
                            return
                                "'pr' must name a pull_request step, but step '\(pr)' is \(target.action.keywordWithArticle) step"
                        }), pr, n)
                }
            } else {
                r.error(f.location, "missing required key 'pr' in 'push_pr' (the id of a pull_request step)")
            }
            let commit = d.stepCommit(f, repo, "push_pr")
            var raw: String?
            if let n = f["raw_ref"], let t = r.text(n, "'raw_ref'") {
                if t.isEmpty || t.contains(" ") {
                    r.error(n, "'raw_ref' must be non-empty without spaces, found '\(t)'")
                }
                raw = t
            }
            guard let repo, let pr, let commit else { return nil }
            return .pushPR(repo: repo, pr: pr, commit: commit, rawRef: raw)
        },
        encode: { a, _ in
            guard case .pushPR(let repo, let pr, let commit, let rawRef) = a else { return [] }
            var f = [
                "repo: \(ScenarioWriter.scalar(repo))", "pr: \(ScenarioWriter.scalar(pr))",
                "commit: \(ScenarioWriter.scalar(commit))",
            ]
            if let rawRef { f.append("raw_ref: \(ScenarioWriter.scalar(rawRef))") }
            return ["push_pr: \(ScenarioWriter.flow(f))"]
        },
        perform: .gitOperation { a, git in
            guard case .pushPR(let repo, let pr, let commit, let rawRef) = a else { return }
            let ref: String
            if let rawRef {
                ref = rawRef
            } else {
                guard let id = try git.eventID(ofStep: pr) else {
                    git.refuse("pull request \(pr) not published yet")
                    return
                }
                ref = "refs/nostr/\(id)"
            }
            git.push(repo: repo, ref: ref, commit: commit)
        })
}
