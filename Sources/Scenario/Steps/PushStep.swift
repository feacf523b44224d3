extension StepActionDescription {
    /// `push: { repo, owner, refs }` (a ref to null deletes it).
    static let push = StepActionDescription(
        keyword: "push", meaning: "git push of these ref updates.",
        decode: { d, e, _ in
            let r = d.reader
            guard let f = r.fields(e.value, "'push'", known: ["repo", "owner", "refs"]) else { return nil }
            let repo = d.stepRepo(f, "push")
            let owner = d.stepOwner(f)
            var refs: [RefSpec] = []
            if let n = f["refs"] {
                refs = d.decodeRefMap(n, repo: repo, allowDelete: true, what: "a push")
                if case .mapping(let m) = n, m.count == 0 { r.error(n, "a push needs at least one ref") }
            } else {
                r.error(f.location, "missing required key 'refs' in 'push'")
            }
            guard let repo else { return nil }
            return .push(repo: repo, owner: owner, refs: refs)
        },
        encode: { a, _ in
            guard case .push(let repo, let owner, let refs) = a else { return [] }
            var f = ["repo: \(ScenarioWriter.scalar(repo))"]
            if let owner { f.append("owner: \(ScenarioWriter.scalar(owner))") }
            f.append("refs: \(ScenarioWriter.refMap(refs))")
            return ["push: \(ScenarioWriter.flow(f))"]
        },
        perform: .gitOperation { a, git in
            guard case .push(let repo, let owner, let refs) = a else { return }
            try git.push(repo: repo, owner: owner, refs: refs)
        })
}
