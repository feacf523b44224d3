extension StepActionDescription {
    /// `state: { repo, refs, head, peeled }`.
    static let state = StepActionDescription(
        keyword: "state", meaning: "Publish a 30618 state with exactly these refs.",
        decode: { d, e, _ in
            let r = d.reader
            guard let f = r.fields(e.value, "'state'", known: ["repo", "refs", "head", "peeled"]) else { return nil }
            let repo = d.stepRepo(f, "state")
            var refs: [RefSpec] = []
            if let n = f["refs"] {
                refs = d.decodeRefMap(n, repo: repo, allowDelete: false, what: "a state")
            } else {
                r.error(f.location, "missing required key 'refs' in 'state' (use refs: {} for a state with no refs)")
            }
            var head: String?
            if let n = f["head"], let h = r.text(n, "'head'") {
                if !h.hasPrefix("refs/heads/") {
                    r.error(n, "'head' must be a branch ref (refs/heads/...), found '\(h)'")
                } else if let p = RefName.problem(h, branchOrTag: true) {
                    r.error(n, p)
                }
                head = h
            }
            var peeled = false
            if let n = f["peeled"], let b = r.bool(n, "'peeled'") { peeled = b }
            guard let repo else { return nil }
            return .state(repo: repo, refs: refs, head: head, peeled: peeled)
        },
        encode: { a, _ in
            guard case .state(let repo, let refs, let head, let peeled) = a else { return [] }
            var f = ["repo: \(ScenarioWriter.scalar(repo))", "refs: \(ScenarioWriter.refMap(refs))"]
            if let head { f.append("head: \(ScenarioWriter.scalar(head))") }
            if peeled { f.append("peeled: true") }
            return ["state: \(ScenarioWriter.flow(f))"]
        },
        perform: .publishes { a, _, w in
            guard case .state(let repoName, let refs, let head, let peeled) = a else { return nil }
            let repo = w.repo(repoName)
            var tips: [(name: String, target: String)] = []
            for r in refs {
                guard let target = try w.refTargetHex(repoName, r) else { continue }
                tips.append((r.ref, target))
                if peeled && r.annotatedTag, let c = r.commit.flatMap({ w.commitHex(repoName, $0) }) {
                    tips.append((r.ref + "^{}", c))
                }
            }
            return .draft(.repoState(identifier: repo.identifier, refs: tips, head: head))
        })
}
