extension ExpectationDescription {
    /// `remote_refs: { domain, repo, equals }`: at the end the remote's copy has exactly
    /// these branches and tags; a name ending in `*` matches exactly one ref with that prefix.
    static let remoteRefs = ExpectationDescription(
        keyword: "remote_refs",
        meaning: "At the end the remote's copy of the repo has exactly these refs.",
        decode: { d, e in
            let r = d.reader
            guard let f = r.fields(e.value, "'remote_refs'", known: ["domain", "repo", "equals"]) else { return nil }
            var domain: String?
            if let n = d.required(f, "domain", in: "remote_refs", " (the domain of a 'remotes' entry)") {
                domain = r.text(n, "'domain'")
                if let domain { d.ref(.remote, domain, n) }
            }
            var repo: String?
            if let n = d.required(f, "repo", in: "remote_refs") {
                repo = r.text(n, "'repo'")
                if let repo { d.ref(.repo, repo, n) }
            }
            guard let n = d.required(f, "equals", in: "remote_refs", " (the exact refs expected; {} for none)") else {
                return nil
            }
            let refs = d.decodeRefMap(
                n, repo: repo, allowDelete: false, what: "an expected ref list", allowWildcard: true)
            guard let domain, let repo else { return nil }
            return .remoteRefs(domain: domain, repo: repo, refs: refs)
        },
        encode: { k in
            guard case .remoteRefs(let domain, let repo, let refs) = k else { return nil }
            return ScenarioWriter.flow([
                "domain: \(ScenarioWriter.scalar(domain))", "repo: \(ScenarioWriter.scalar(repo))",
                "equals: \(ScenarioWriter.refMap(refs))",
            ])
        },
        judge: { k, run in
            guard case .remoteRefs(let domain, let repo, let refs) = k else { return nil }
            var unmatched = run.remoteRefs(domain: domain, repo: repo)
            var problems: [String] = []
            for r in refs {
                let want = run.target(repo: repo, r)
                if r.ref.hasSuffix("*") {
                    let prefix = String(r.ref.dropLast())
                    let hits = unmatched.keys.filter { $0.hasPrefix(prefix) }.sorted()
                    if hits.count != 1 {
                        problems.append("\(hits.count) refs match \(r.ref)")
                        continue
                    }
                    if unmatched[hits[0]] != want { problems.append("\(hits[0]) is \(unmatched[hits[0]]!.prefix(7))") }
                    unmatched[hits[0]] = nil
                } else {
                    if unmatched[r.ref] != want {
                        problems.append("\(r.ref) is \(unmatched[r.ref].map { String($0.prefix(7)) } ?? "absent")")
                    }
                    unmatched[r.ref] = nil
                }
            }
            for n in unmatched.keys.sorted() { problems.append("unexpected \(n)") }
            guard !problems.isEmpty else { return nil }
            return "expected refs of \(repo) on \(domain): \(problems.joined(separator: "; "))"
        })
}
