import Foundation
import SimKernel
import Yams

/// Decoding repositories, their commits and upstreams (see `ScenarioDecoder`).
extension ScenarioDecoder {
    func decodeRepos(_ node: Node) -> [RepoSpec] {
        let r = reader
        guard let items = r.list(node, "'repos'") else { return [] }
        var out: [RepoSpec] = []
        for item in items {
            guard
                let f = r.fields(
                    item, "a repo",
                    known: ["name", "identifier", "owner", "maintainers", "commits", "upstream"])
            else { continue }
            guard let nn = f["name"] else {
                r.error(f.location, "missing required key 'name' in a repo")
                continue
            }
            guard let name = r.name(nn, "repo name") else { continue }
            var repo = RepoSpec(name: name, identifier: name, owner: "", location: r.location(nn))
            if let n = f["identifier"], let id = r.text(n, "'identifier'") {
                if id.isEmpty || id.contains(where: { $0 == " " || $0 == "/" }) {
                    r.error(
                        n,
                        "'identifier' '\(id)' must be non-empty without spaces or '/' (it is the d tag and part of the clone URL)"
                    )
                }
                repo.identifier = id
            }
            if let n = f["owner"] {
                if let owner = r.text(n, "'owner'") {
                    ref(.actor, owner, n)
                    repo.owner = owner
                }
            } else {
                r.error(f.location, "missing required key 'owner' in repo '\(name)' (the actor who announces it)")
            }
            if let n = f["maintainers"] { repo.maintainers = decodeActorList(n, "'maintainers'") }
            if let n = f["commits"] { repo.commits = decodeCommits(n, repo: name) }
            if let n = f["upstream"] { repo.upstream = decodeUpstream(n) }
            out.append(repo)
        }
        return out
    }

    /// `upstream: { domain: up.example, branch: main }`. A malformed upstream (reported)
    /// still counts as one, so `reconcile` steps of the repo report nothing more.
    func decodeUpstream(_ node: Node) -> UpstreamSpec {
        let r = reader
        var upstream = UpstreamSpec(domain: "", location: r.location(node))
        guard let f = r.fields(node, "'upstream'", known: ["domain", "branch"]) else { return upstream }
        if let n = f["domain"] {
            if let d = r.text(n, "'domain'") {
                ref(.remote, d, n)
                upstream.domain = d
            }
        } else {
            r.error(f.location, "missing required key 'domain' in 'upstream' (the domain of a 'remotes' entry)")
        }
        if let n = f["branch"], let b = r.text(n, "'branch'") {
            if b.hasPrefix("refs/") {
                let short = b.hasPrefix("refs/heads/") ? String(b.dropFirst("refs/heads/".count)) : ""
                r.error(
                    n,
                    "'branch' is a branch name without 'refs/heads/'"
                        + (short.isEmpty ? ", found '\(b)'" : "; write '\(short)'"))
            } else if b.isEmpty {
                r.error(n, "'branch' must not be empty (leave it out for 'main')")
            } else if let p = RefName.problem("refs/heads/" + b, branchOrTag: true) {
                r.error(n, "'branch' '\(b)' is not a valid branch name: \(p)")
            }
            upstream.branch = b
        }
        return upstream
    }

    func decodeActorList(_ node: Node, _ what: String) -> [String] {
        let r = reader
        guard let items = r.list(node, what) else { return [] }
        var out: [String] = []
        for item in items {
            guard let a = r.text(item, "an actor name in \(what)") else { continue }
            if out.contains(a) { r.error(item, "actor '\(a)' is listed twice in \(what)") }
            ref(.actor, a, item)
            out.append(a)
        }
        return out
    }

    func decodeCommits(_ node: Node, repo: String) -> [CommitSpec] {
        let r = reader
        guard let items = r.list(node, "'commits'") else { return [] }
        var out: [CommitSpec] = []
        var defined: [String: SourceLocation] = [:]
        // All names first, so "defined later" can be told apart from "not defined".
        var allNames = Set<String>()
        for item in items {
            if case .mapping(let m) = item, let n = m["name"], case .scalar(let s) = n { allNames.insert(s.string) }
        }
        for item in items {
            guard let f = r.fields(item, "a commit", known: ["name", "parents", "files"]) else { continue }
            guard let nn = f["name"] else {
                r.error(f.location, "missing required key 'name' in a commit of repo '\(repo)'")
                continue
            }
            guard let name = r.name(nn, "commit name") else { continue }
            var commit = CommitSpec(name: name, location: r.location(nn))
            if let n = f["parents"] {
                for p in r.listOrOne(n) {
                    guard let parent = r.text(p, "a parent commit") else { continue }
                    if defined[parent] != nil {
                        if commit.parents.contains(parent) { r.error(p, "parent '\(parent)' is listed twice") }
                        commit.parents.append(parent)
                    } else if parent == name {
                        r.error(p, "commit '\(name)' cannot be its own parent")
                    } else if allNames.contains(parent) {
                        r.error(
                            p,
                            "parent '\(parent)' of commit '\(name)' is defined later in repo '\(repo)'; list parents before their children"
                        )
                    } else {
                        var m = "parent '\(parent)' of commit '\(name)' is not defined in repo '\(repo)'"
                        if let near = Suggest.closest(to: parent, among: out.map(\.name)) {
                            m += "; did you mean '\(near)'?"
                        }
                        r.error(p, m)
                    }
                }
            }
            if let n = f["files"] {
                if case .mapping(let m) = n {
                    for (k, v) in m {
                        guard let path = r.text(k, "a file path") else { continue }
                        if path.isEmpty || path.hasPrefix("/") || path.hasSuffix("/")
                            || path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." || $0 == ".git" })
                        {
                            r.error(k, "file path '\(path)' must be relative, without '.', '..' or '.git' parts")
                        }
                        guard let content = r.optionalText(v, "content of '\(path)'") else { continue }
                        commit.files[path] = content
                    }
                } else {
                    r.error(n, "'files' must be a mapping of path: content, found \(NodeReader.describe(n))")
                }
            }
            if let first = defined[name] {
                r.error(nn, "commit '\(name)' is defined twice in repo '\(repo)' (first at line \(first.line))")
                continue
            }
            defined[name] = commit.location
            out.append(commit)
        }
        return out
    }
}
