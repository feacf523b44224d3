import GitStore

/// `reconcile-outcome`'s no-loss half, computed from the repositories alone (never by asking
/// the reconciler): every commit reachable from the local branch's head before a
/// reconciliation is still there afterwards in one of these ways —
/// - reachable from the local branch, or from the upstream's branch or a `conflicts/` one;
/// - copied by a rebase: a commit of its own on one of those (same `author` line and
///   message, not reachable from the old head) — a rebase whose push failed keeps its
///   copies on the local branch, a later clash may escape them to `conflicts/`;
/// - dropped by a rebase because the upstream branch's tree already has its change.
/// Commits and trees are read from their raw git objects here, apart from the reconciler's
/// own parsing.
enum LocalWorkKept {
    /// The commits of `before` kept in none of those ways, oldest name first.
    static func lost(before: ObjectID, local: GitRepository, remote: GitRepository?, branch: String) -> [ObjectID] {
        let ref = "refs/heads/\(branch)"
        let onLocal = reachable(local, from: [local.ref(ref)].compactMap { $0 })
        if onLocal.contains(before) { return [] }
        guard local.contains(before) else { return [before] }
        let remoteTips =
            remote?.refs.filter { $0.name == ref || $0.name.hasPrefix("refs/heads/conflicts/") }.map(\.id) ?? []
        let onRemote = remote.map { reachable($0, from: remoteTips) } ?? []
        let originals = reachable(local, from: [before])
        // Copies by identity, counted: each original needs one of its own.
        var copies: [String: Int] = [:]
        if let remote {
            for c in onRemote where !originals.contains(c) {
                if let i = identity(remote, c) { copies[i, default: 0] += 1 }
            }
        }
        for c in onLocal.subtracting(onRemote) where !originals.contains(c) {
            if let i = identity(local, c) { copies[i, default: 0] += 1 }
        }
        let upstreamFiles = remote.flatMap { r in r.ref(ref).flatMap { files(r, commit: $0) } }
        var lost: [ObjectID] = []
        for c in originals.sorted() where !onLocal.contains(c) && !onRemote.contains(c) {
            if let i = identity(local, c), let n = copies[i], n > 0 {
                copies[i] = n - 1
            } else if let upstream = upstreamFiles, changeIsIn(upstream, local, c) {
                continue
            } else {
                lost.append(c)
            }
        }
        return lost
    }

    private static func reachable(_ repo: GitRepository, from tips: [ObjectID]) -> Set<ObjectID> {
        var seen = Set<ObjectID>()
        var stack = tips
        while let c = stack.popLast() {
            guard !seen.contains(c), repo.contains(c), let parents = try? repo.parents(of: c) else { continue }
            seen.insert(c)
            stack += parents
        }
        return seen
    }

    /// The commit's `author` line and message (what a rebase keeps).
    private static func identity(_ repo: GitRepository, _ commit: ObjectID) -> String? {
        guard let data = try? repo.read(commit).data else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\n\n") else { return nil }
        let author = text[..<split.lowerBound].split(separator: "\n").first { $0.hasPrefix("author ") }
        return author.map { $0 + "\n" + text[split.upperBound...] }
    }

    /// Whether every path `commit` changed against its first parent reads in `upstream`
    /// as the commit left it.
    private static func changeIsIn(_ upstream: [String: String], _ repo: GitRepository, _ commit: ObjectID) -> Bool {
        guard let mine = files(repo, commit: commit) else { return false }
        let parent = (try? repo.parents(of: commit))?.first
        let before = parent.flatMap { files(repo, commit: $0) } ?? [:]
        return Set(mine.keys).union(before.keys).allSatisfy { mine[$0] == before[$0] || upstream[$0] == mine[$0] }
    }

    /// Path → "mode id" of every file in the commit's tree.
    private static func files(_ repo: GitRepository, commit: ObjectID) -> [String: String]? {
        guard let tree = try? repo.tree(of: commit) else { return nil }
        var out: [String: String] = [:]
        return walk(repo, tree, "", &out) ? out : nil
    }

    /// Raw tree entries are `<mode> <name>\0` and 20 bytes of id.
    private static func walk(_ repo: GitRepository, _ tree: ObjectID, _ prefix: String, _ out: inout [String: String])
        -> Bool
    {
        guard let data = try? repo.read(tree).data else { return false }
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: 0x20), let nul = data[space...].firstIndex(of: 0),
                nul + 20 < data.count + 1
            else { return false }
            let mode = String(decoding: data[i..<space], as: UTF8.self)
            let name = String(decoding: data[(space + 1)..<nul], as: UTF8.self)
            let hex = data[(nul + 1)...(nul + 20)].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            guard let id = ObjectID(hex: hex) else { return false }
            if mode == "40000" {
                guard walk(repo, id, prefix + name + "/", &out) else { return false }
            } else {
                out[prefix + name] = mode + " " + hex
            }
            i = nul + 21
        }
        return true
    }
}
