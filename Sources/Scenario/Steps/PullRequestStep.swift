extension StepActionDescription {
    /// `pull_request: { repo, commit, clone }`: the step's id is the PR's handle.
    static let pullRequest = StepActionDescription(
        keyword: "pull_request", meaning: "Publish a 1618 pull request; its handle is the step id.",
        decode: { d, e, step in
            guard let f = d.reader.fields(e.value, "'pull_request'", known: ["repo", "commit", "clone"]) else {
                return nil
            }
            let repo = d.stepRepo(f, "pull_request")
            step.cloneDomains = d.stepCloneDomains(f)
            let commit = d.stepCommit(f, repo, "pull_request")
            guard let repo, let commit else { return nil }
            return .pullRequest(repo: repo, pr: step.stepID, commit: commit)
        },
        encode: { a, cloneDomains in
            guard case .pullRequest(let repo, _, let commit) = a else { return [] }
            var f = ["repo: \(ScenarioWriter.scalar(repo))", "commit: \(ScenarioWriter.scalar(commit))"]
            if !cloneDomains.isEmpty { f.append("clone: \(ScenarioWriter.list(cloneDomains))") }
            return ["pull_request: \(ScenarioWriter.flow(f))"]
        },
        perform: .publishes { a, step, w in
            guard case .pullRequest(let repoName, _, let commit) = a else { return nil }
            let repo = w.repo(repoName)
            return .draft(
                .pullRequest(
                    repoOwner: w.publicKey(of: repo.owner), identifier: repo.identifier,
                    tip: w.commitHex(repoName, commit)!,
                    cloneURLs: ([w.ownDomain] + step.cloneDomains).map {
                        "https://\($0)\(w.repoPath(repo, owner: nil))"
                    },
                    subject: "PR from \(step.actor)"))
        })
}
