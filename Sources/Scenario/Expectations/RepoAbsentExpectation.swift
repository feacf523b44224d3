extension ExpectationDescription {
    /// `repo_absent: <repo>` or `repo_absent: { repo, owner }`: at the end the bare
    /// repository does not exist.
    static let repoAbsent = ExpectationDescription(
        keyword: "repo_absent",
        meaning: "At the end the bare repository does not exist.",
        decode: { d, e in
            d.expectedRepo(e, extra: [], allowShorthand: true).map { .repoAbsent(repo: $0.0, owner: $0.1) }
        },
        encode: { k in
            guard case .repoAbsent(let repo, let owner) = k else { return nil }
            return owner == nil ? ScenarioWriter.scalar(repo) : ScenarioWriter.ownedRepo(repo, owner, [])
        },
        judge: { k, run in
            guard case .repoAbsent(let repo, let owner) = k, run.head(repo: repo, owner: owner) != nil else {
                return nil
            }
            return "expected repository \(repo) to be deleted; it exists"
        })
}
