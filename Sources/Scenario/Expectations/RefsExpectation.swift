extension ExpectationDescription {
    /// `refs: { repo, owner, equals: {ref: commit} }`: at the end the hosted repository has
    /// exactly these branches and tags.
    static let refs = ExpectationDescription(
        keyword: "refs",
        meaning: "At the end the repo has exactly these refs.",
        decode: { d, e in
            guard let (repo, owner, f) = d.expectedRepo(e, extra: ["equals"], allowShorthand: false), let f,
                let n = d.required(f, "equals", in: "refs", " (the exact refs expected; {} for none)")
            else { return nil }
            let refs = d.decodeRefMap(n, repo: repo, allowDelete: false, what: "an expected ref list")
            return .refs(repo: repo, owner: owner, refs: refs)
        },
        encode: { k in
            guard case .refs(let repo, let owner, let refs) = k else { return nil }
            return ScenarioWriter.ownedRepo(repo, owner, ["equals: \(ScenarioWriter.refMap(refs))"])
        },
        judge: { k, run in
            guard case .refs(let repo, let owner, let refs) = k else { return nil }
            guard let have = run.hostedRefs(repo: repo, owner: owner) else {
                return "expected refs of \(repo); the repository does not exist"
            }
            var want: [String: String] = [:]
            for r in refs { if let id = run.target(repo: repo, r) { want[r.ref] = id } }
            return want == have ? nil : "expected refs \(showRefs(want)) in \(repo); found \(showRefs(have))"
        })
}
