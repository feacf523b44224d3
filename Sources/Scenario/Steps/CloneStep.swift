extension StepActionDescription {
    /// `clone: <repo>` or `clone: { repo, owner }`.
    static let clone = StepActionDescription(
        keyword: "clone", meaning: "Clone a repo (owner defaults to the repo's owner).",
        decode: { d, e, _ in
            let r = d.reader
            let v = e.value
            if case .scalar = v {
                guard let repo = r.text(v, "'clone'") else { return nil }
                d.ref(.repo, repo, v)
                return .clone(repo: repo, owner: nil)
            }
            guard let f = r.fields(v, "'clone'", known: ["repo", "owner"]) else { return nil }
            let repo = d.stepRepo(f, "clone")
            let owner = d.stepOwner(f)
            guard let repo else { return nil }
            return .clone(repo: repo, owner: owner)
        },
        encode: { a, _ in
            guard case .clone(let repo, let owner) = a else { return [] }
            guard let owner else { return ["clone: \(ScenarioWriter.scalar(repo))"] }
            return [
                "clone: \(ScenarioWriter.flow(["repo: \(ScenarioWriter.scalar(repo))", "owner: \(ScenarioWriter.scalar(owner))"]))"
            ]
        },
        perform: .gitOperation { a, git in
            guard case .clone(let repo, let owner) = a else { return }
            git.clone(repo: repo, owner: owner)
        })
}
