import Yams

/// Keys several actions share: the repo, its owner, a commit of it, extra clone domains.
extension ScenarioDecoder {
    func stepRepo(_ f: Fields, _ what: String) -> String? {
        guard let n = f["repo"] else {
            reader.error(f.location, "missing required key 'repo' in '\(what)'")
            return nil
        }
        guard let repo = reader.text(n, "'repo'") else { return nil }
        ref(.repo, repo, n)
        return repo
    }

    func stepOwner(_ f: Fields) -> String? {
        guard let n = f["owner"], let o = reader.text(n, "'owner'") else { return nil }
        ref(.actor, o, n)
        return o
    }

    /// `clone: [domain, ...]` of announce and pull_request: extra clone URLs.
    func stepCloneDomains(_ f: Fields) -> [String] {
        let r = reader
        guard let n = f["clone"], let items = r.list(n, "'clone'") else { return [] }
        var out: [String] = []
        for item in items {
            guard let d = r.text(item, "a domain in 'clone'") else { continue }
            if out.contains(d) {
                r.error(item, "domain '\(d)' is listed twice in 'clone'")
                continue
            }
            ref(.cloneDomain, d, item)
            out.append(d)
        }
        return out
    }

    func stepCommit(_ f: Fields, _ repo: String?, _ what: String) -> String? {
        guard let n = f["commit"] else {
            reader.error(f.location, "missing required key 'commit' in '\(what)'")
            return nil
        }
        guard let c = reader.text(n, "'commit'") else { return nil }
        if let repo { ref(.commit(repo: repo), c, n) }
        return c
    }
}
