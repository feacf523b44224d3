extension StepActionDescription {
    /// `issue: <repo>` or `issue: { repo, subject }`.
    static let issue = StepActionDescription(
        keyword: "issue", meaning: "Publish a 1621 issue.",
        decode: { d, e, _ in
            let r = d.reader
            let v = e.value
            if case .scalar = v {
                guard let repo = r.text(v, "'issue'") else { return nil }
                d.ref(.repo, repo, v)
                return .issue(repo: repo, subject: "")
            }
            guard let f = r.fields(v, "'issue'", known: ["repo", "subject"]) else { return nil }
            let repo = d.stepRepo(f, "issue")
            var subject = ""
            if let n = f["subject"], let t = r.optionalText(n, "'subject'") { subject = t }
            guard let repo else { return nil }
            return .issue(repo: repo, subject: subject)
        },
        encode: { a, _ in
            guard case .issue(let repo, let subject) = a else { return [] }
            return [
                "issue: \(ScenarioWriter.flow(["repo: \(ScenarioWriter.scalar(repo))", "subject: \(ScenarioWriter.quoted(subject))"]))"
            ]
        },
        perform: .publishes { a, _, w in
            guard case .issue(let repoName, let subject) = a else { return nil }
            let repo = w.repo(repoName)
            return .draft(.issue(repoOwner: w.publicKey(of: repo.owner), identifier: repo.identifier, subject: subject))
        })
}
