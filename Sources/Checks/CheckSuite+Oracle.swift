import Coordination
import EventStore
import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel

/// What the checks compute on their own from the stores and purgatories (never by asking
/// the relay): announcements, owners, maintainers, state refs.
extension CheckSuite {
    // MARK: oracle helpers

    /// The owner's announcement for the identifier: the newest version, waiting or served
    /// (NIP-01 replacement order, lowest id on equal `created_at`).
    static func announcement(_ w: WorldView, _ key: RepoKey) -> NostrEvent? {
        var newest = try? w.store.latest(ReplacementKey(kind: Kinds.repoAnnouncement, pubkey: key.owner, d: key.d))
        for (_, p) in w.purgatories {
            if let e = p.announcements[key]?.event, newest.map({ e.supersedes($0) }) ?? true { newest = e }
        }
        return newest
    }

    static func owners(_ w: WorldView, _ d: String) -> [String] {
        var s = Set<String>()
        for (_, p) in w.purgatories { for k in p.announcements.keys where k.d == d { s.insert(k.owner) } }
        for e in (try? w.store.query([Filter(kinds: [Kinds.repoAnnouncement], tags: ["d": [d]])])) ?? []
        where e.dTag == d {
            s.insert(e.pubkey)
        }
        return s.sorted()
    }

    static func maintainers(_ w: WorldView, _ key: RepoKey) -> Set<String> {
        var set: Set<String> = [key.owner]
        var stack = [key.owner]
        while let m = stack.popLast() {
            guard let e = announcement(w, RepoKey(owner: m, d: key.d)), let a = try? RepoAnnouncement(e) else {
                continue
            }
            for x in a.maintainers where set.insert(x).inserted { stack.append(x) }
        }
        return set
    }

    static func refs(_ state: NostrEvent) -> [String: ObjectID] {
        var out: [String: ObjectID] = [:]
        for r in (try? RepoState(state))?.refs ?? [] { if let id = ObjectID(hex: r.oid) { out[r.name] = id } }
        return out
    }

    public static func hostedRefs(_ repo: GitRepository) -> [String: ObjectID] {
        var out: [String: ObjectID] = [:]
        for (n, id) in repo.refs where n.hasPrefix("refs/heads/") || n.hasPrefix("refs/tags/") { out[n] = id }
        return out
    }

    static func listsService(_ w: WorldView, _ e: NostrEvent) -> Bool {
        guard let a = try? RepoAnnouncement(e) else { return false }
        return a.cloneURLs.contains { $0.hasPrefix(w.config.gitBaseURL) }
    }

    static func latestServedState(_ w: WorldView, _ key: RepoKey) -> NostrEvent? {
        let m = maintainers(w, key).sorted()
        let states = (try? w.store.query([Filter(authors: m, kinds: [Kinds.repoState], tags: ["d": [key.d]])])) ?? []
        return states.filter { $0.dTag == key.d }.sorted(by: queryOrder).first
    }
}
