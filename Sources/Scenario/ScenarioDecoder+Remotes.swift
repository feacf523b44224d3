import Foundation
import SimKernel
import Yams

/// Decoding the simulated remote git hosts (see `ScenarioDecoder`).
extension ScenarioDecoder {
    func decodeRemotes(_ node: Node) -> [RemoteSpec] {
        let r = reader
        guard let items = r.list(node, "'remotes'") else { return [] }
        var out: [RemoteSpec] = []
        for item in items {
            guard let f = r.fields(item, "a remote", known: ["domain", "latency", "holds", "behaviours"]) else {
                continue
            }
            guard let dn = f["domain"] else {
                r.error(f.location, "missing required key 'domain' in a remote (its host name, e.g. mirror.example)")
                continue
            }
            guard let domain = r.text(dn, "'domain'") else { continue }
            if let problem = Self.hostProblem(domain) { r.error(dn, "remote domain '\(domain)' \(problem)") }
            var remote = RemoteSpec(domain: domain, location: r.location(dn))
            if let n = f["latency"], let (lo, hi, _) = r.durationRange(n, "'latency'") {
                remote.latencyMin = lo
                remote.latencyMax = hi
            }
            if let n = f["holds"], let holds = r.list(n, "'holds'") {
                var seen: [String: SourceLocation] = [:]
                for h in holds {
                    guard let holding = decodeHolding(h) else { continue }
                    if let first = seen[holding.repo] {
                        r.error(
                            holding.location,
                            "remote '\(domain)' holds repo '\(holding.repo)' twice (first at line \(first.line)); merge the two entries"
                        )
                        continue
                    }
                    seen[holding.repo] = holding.location
                    remote.holds.append(holding)
                }
            }
            if let n = f["behaviours"], let list = r.list(n, "'behaviours'") {
                remote.behaviours = list.compactMap(decodeBehaviour)
            }
            out.append(remote)
        }
        return out
    }

    /// Why `domain` is not a lowercase host name (`mirror-a.example`), or nil.
    static func hostProblem(_ domain: String) -> String? {
        if domain.isEmpty { return "is empty" }
        if domain.lowercased() != domain, hostProblem(domain.lowercased()) == nil {
            return "must be lowercase; write '\(domain.lowercased())'"
        }
        let allowed = domain.unicodeScalars.allSatisfy { c in
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "-" || c == "."
        }
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        if !allowed || labels.contains(where: { $0.isEmpty || $0.hasPrefix("-") || $0.hasSuffix("-") }) {
            return "is not a lowercase host name (labels of a-z, 0-9 and '-' separated by '.', e.g. mirror.example)"
        }
        return nil
    }

    /// `{ repo: web, commits: [c3], only: [c2], refs: { refs/heads/main: c5 } }`
    func decodeHolding(_ node: Node) -> RemoteHolding? {
        let r = reader
        guard let f = r.fields(node, "a holding", known: ["repo", "commits", "only", "refs"]) else { return nil }
        guard let rn = f["repo"] else {
            r.error(f.location, "missing required key 'repo' in a holding (the repo whose objects the remote has)")
            return nil
        }
        guard let repo = r.text(rn, "'repo'") else { return nil }
        ref(.repo, repo, rn)
        var holding = RemoteHolding(repo: repo, location: f.location)
        func commitList(_ key: String) -> [String] {
            guard let n = f[key], let items = r.list(n, "'\(key)'") else { return [] }
            var out: [String] = []
            for item in items {
                guard let c = r.text(item, "a commit in '\(key)'") else { continue }
                if out.contains(c) {
                    r.error(item, "commit '\(c)' is listed twice in '\(key)'")
                    continue
                }
                ref(.commit(repo: repo), c, item)
                out.append(c)
            }
            return out
        }
        let errorsBefore = r.errors.count
        holding.commits = commitList("commits")
        holding.only = commitList("only")
        if let n = f["refs"] { holding.refs = decodeRefMap(n, repo: repo, allowDelete: false, what: "a holding") }
        let keys = ["commits", "only", "refs"]
        if !keys.contains(where: f.has) {
            r.error(
                f.location,
                "a holding of repo '\(repo)' must name at least one of 'commits' (full histories), 'only' (single commits' objects) or 'refs'"
            )
        } else if r.errors.count == errorsBefore, holding.commits.isEmpty, holding.only.isEmpty, holding.refs.isEmpty {
            r.error(
                f.location,
                "a holding of repo '\(repo)' holds nothing; list commits in 'commits', 'only' or 'refs', or leave the holding out"
            )
        }
        return holding
    }

    /// `{ kind: slow, from: 5m, until: 10m, latency: 40s }`
    func decodeBehaviour(_ node: Node) -> RemoteBehaviour? {
        let r = reader
        guard let f = r.fields(node, "a behaviour", known: ["kind", "from", "until", "latency"]) else { return nil }
        let kinds = RemoteBehaviour.Kind.allCases.map(\.rawValue)
        var kind: RemoteBehaviour.Kind?
        if let n = f["kind"] {
            if let k = r.text(n, "'kind'") {
                kind = RemoteBehaviour.Kind(rawValue: k)
                if kind == nil {
                    var m = "unknown behaviour kind '\(k)'"
                    if let near = Suggest.closest(to: k, among: kinds) {
                        m += "; did you mean '\(near)'?"
                    } else {
                        m += " (kinds: \(kinds.joined(separator: ", ")))"
                    }
                    r.error(n, m)
                }
            }
        } else {
            r.error(f.location, "missing required key 'kind' in a behaviour (one of: \(kinds.joined(separator: ", ")))")
        }
        var from: SimDuration?
        if let n = f["from"] {
            from = r.duration(n, "'from'")
        } else {
            r.error(f.location, "missing required key 'from' in a behaviour (when it starts, e.g. 0s)")
        }
        var until: SimDuration?
        if let n = f["until"], let u = r.duration(n, "'until'") {
            if let from, u <= from {
                r.error(
                    n,
                    "'until' (\(DurationText.format(u))) must be after 'from' (\(DurationText.format(from))); leave it out to last to the end of the run"
                )
            }
            until = u
        }
        var latency: SimDuration?
        if let e = f.entry("latency") {
            if let kind, kind != .slow {
                r.error(e.keyNode, "'latency' only applies to kind 'slow', not '\(kind.rawValue)'")
            } else if let l = r.duration(e.value, "'latency'") {
                if l <= 0 { r.error(e.value, "'latency' must be longer than 0") }
                latency = l
            }
        } else if kind == .slow {
            r.error(f.location, "missing required key 'latency' in a 'slow' behaviour (the time to answer, e.g. 40s)")
        }
        guard let kind, let from else { return nil }
        return RemoteBehaviour(kind: kind, from: from, until: until, latency: latency, location: f.location)
    }
}
