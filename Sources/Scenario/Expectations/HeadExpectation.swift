extension ExpectationDescription {
    /// `head: { repo, owner, equals: refs/heads/x }`: at the end the repository's HEAD.
    static let head = ExpectationDescription(
        keyword: "head",
        meaning: "At the end the repo's HEAD is this branch.",
        decode: { d, e in
            let r = d.reader
            guard let (repo, owner, f) = d.expectedRepo(e, extra: ["equals"], allowShorthand: false), let f,
                let n = d.required(f, "equals", in: "head"), let h = r.text(n, "'equals'")
            else { return nil }
            if !h.hasPrefix("refs/heads/") {
                r.error(n, "'head' must be a branch ref (refs/heads/...), found '\(h)'")
            } else if let p = RefName.problem(h, branchOrTag: true) {
                r.error(n, p)
            }
            return .head(repo: repo, owner: owner, ref: h)
        },
        encode: { k in
            guard case .head(let repo, let owner, let ref) = k else { return nil }
            return ScenarioWriter.ownedRepo(repo, owner, ["equals: \(ScenarioWriter.scalar(ref))"])
        },
        judge: { k, run in
            guard case .head(let repo, let owner, let ref) = k else { return nil }
            guard let head = run.head(repo: repo, owner: owner) else {
                return "expected HEAD of \(repo); the repository does not exist"
            }
            return head == ref ? nil : "expected HEAD \(ref) in \(repo); found \(head)"
        })
}
