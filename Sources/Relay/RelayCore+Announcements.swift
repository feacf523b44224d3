import EventStore
import GitStore
import Nostr
import SimKernel

/// The relay core: announcements (R1, R2, R4) and the maintainer sets they define.
extension RelayCore {
    func listsThisService(_ a: RepoAnnouncement) -> Bool {
        a.cloneURLs.contains { $0.hasPrefix(config.gitBaseURL) }
            && a.relayURLs.contains { $0 == config.relayURL || $0 == config.relayURL + "/" }
    }

    func handleAnnouncement(_ conn: ConnectionID, _ e: NostrEvent) throws {
        guard let ann = try? RepoAnnouncement(e), !ann.identifier.isEmpty else {
            ok(conn, e, false, "invalid: announcement needs a d tag")
            return
        }
        let key = RepoKey(owner: e.pubkey, d: ann.identifier)
        if !listsThisService(ann) {
            // R2 exception: an existing maintainer may announce a copy hosted elsewhere.
            let isMaintainer = decide(
                .maintainerException(
                    author: e.pubkey, identifier: ann.identifier,
                    reference:
                        try announcementOwners(ann.identifier).contains {
                            try maintainers(of: RepoKey(owner: $0, d: ann.identifier)).contains(e.pubkey)
                        }))
            guard isMaintainer else {
                ok(conn, e, false, "invalid: announcement must list this service in clone and relays")
                return
            }
            if let stored = try store.latest(ReplacementKey(kind: e.kind, pubkey: e.pubkey, d: ann.identifier)),
                !newer(e, stored)
            {
                ok(conn, e, true, "duplicate: have this or a newer announcement")
                return
            }
            // A newer version of this very announcement waits in purgatory: the older one is
            // not served (NIP-01 replacement order holds across purgatory; docs/relay.md).
            if let waiting = purgatory.announcements[key],
                decide(.notNewerThanWaiting(arriving: e, waiting: waiting.event, reference: !newer(e, waiting.event)))
            {
                ok(conn, e, true, "duplicate: a newer announcement is in purgatory")
                return
            }
            try serve(e, how: "accepted")
            ok(conn, e, true, "")
            // Its maintainers can make waiting states authoritative for repositories that
            // already hold their data.
            if !deferRepositoryWrites { try settle(identifier: ann.identifier) }
            return
        }
        // Replacement of an already served announcement: accepted at once — unless the
        // served version was hosted elsewhere (admitted as a maintainer's), so that no
        // repository exists here: then this one is new here and waits like any other.
        let stored = try store.latest(ReplacementKey(kind: e.kind, pubkey: e.pubkey, d: ann.identifier))
        if let stored, stored.id == e.id || !newer(e, stored) {
            ok(conn, e, true, "duplicate: have this or a newer announcement")
            return
        }
        // (Whether the served version listed this service is read from it, not guessed from
        // a repository existing: a crash that lost a waiting entry leaves its empty
        // repository behind; generated swarm seed 2863.)
        if let stored, (try? RepoAnnouncement(stored)).map(listsThisService) == true,
            storage.exists(key), purgatory.announcements[key] == nil
        {
            try serve(e, how: "accepted")
            ok(conn, e, true, "")
            if !deferRepositoryWrites { try settle(identifier: ann.identifier) }
            return
        }
        if var entry = purgatory.announcements[key] {
            if entry.event.id == e.id {
                ok(conn, e, true, "duplicate: in purgatory")
                return
            }
            if decide(.notNewerThanWaiting(arriving: e, waiting: entry.event, reference: !newer(e, entry.event))) {
                ok(conn, e, true, "duplicate: a newer announcement is in purgatory")
                return
            }
            if config.faultReplacementBypassesPurgatory {
                // §8.10: the replacement is taken as a new, data-less announcement and served.
                purgatory.announcements[key] = nil
                observe(.left(eventID: entry.event.id, kind: e.kind, why: "replaced"))
                try serve(e, how: "accepted")
                ok(conn, e, true, "")
                return
            }
            observe(.left(eventID: entry.event.id, kind: e.kind, why: "replaced"))
            entry.event = e
            entry.deadline = now + config.purgatoryTTL
            if entry.softExpired { revive(key, &entry) }
            purgatory.announcements[key] = entry
            observe(.held(e, deadline: entry.deadline))
            ok(conn, e, true, Self.purgatoryMessage)
            if !deferRepositoryWrites { try settle(identifier: ann.identifier) }
            return
        }
        // New announcement: the bare repo exists at once so pushes can land.
        do {
            try storage.create(key, writer: replica, token: writeToken)
            observe(.repoCreated(key))
        } catch {
            ok(conn, e, false, "error: could not create repository: \(error)")
            return
        }
        purgatory.announcements[key] = Purgatory.AnnouncementEntry(event: e, deadline: now + config.purgatoryTTL)
        observe(.held(e, deadline: now + config.purgatoryTTL))
        trace("purgatory.hold", [("id", short(e.id)), ("kind", "30617"), ("repo", key.description)])
        ok(conn, e, true, Self.purgatoryMessage)
        if !deferRepositoryWrites { try settle(identifier: ann.identifier) }
    }

    func revive(_ key: RepoKey, _ entry: inout Purgatory.AnnouncementEntry) {
        entry.softExpired = false
        entry.forgetAt = nil
        entry.deadline = now + config.purgatoryTTL
        if repositoryWrite(key, "create", { try storage.create(key, writer: replica, token: writeToken) }) {
            observe(.repoCreated(key))
        }
        trace("purgatory.revive", [("repo", key.description)])
    }

    /// The announcement of `owner` for `d`: the newest version, waiting or served. A
    /// version served under the maintainer exception can be newer than one waiting in
    /// purgatory (equal `created_at`, lower id): the waiting one no longer speaks for its
    /// author, e.g. about maintainers.
    func announcement(_ key: RepoKey) throws -> NostrEvent? {
        let served = try store.latest(ReplacementKey(kind: Kinds.repoAnnouncement, pubkey: key.owner, d: key.d))
        guard let waiting = purgatory.announcements[key]?.event else { return served }
        guard let served else { return waiting }
        return newer(served, waiting) ? served : waiting
    }

    /// Owners with an announcement for `d`, served or in purgatory (incl. soft-expired).
    func announcementOwners(_ d: String) throws -> [String] {
        var owners = Set<String>()
        for k in purgatory.announcements.keys where k.d == d { owners.insert(k.owner) }
        for e in try store.query([Filter(kinds: [Kinds.repoAnnouncement], tags: ["d": [d]])]) where e.dTag == d {
            owners.insert(e.pubkey)
        }
        return owners.sorted()
    }

    /// The recursive maintainer set of (owner, d): the owner, the owner's `maintainers`,
    /// and the maintainers listed in each maintainer's own announcement for `d`.
    public func maintainers(of key: RepoKey) throws -> Set<String> {
        var set: Set<String> = [key.owner]
        var queue = [key.owner]
        while let m = queue.popLast() {
            guard let ev = try announcement(RepoKey(owner: m, d: key.d)),
                let ann = try? RepoAnnouncement(ev)
            else { continue }
            for x in ann.maintainers where !set.contains(x) {  // visited set: cycles end here
                set.insert(x)
                if !config.faultFlatMaintainers { queue.append(x) }
            }
        }
        return set
    }

    /// Repos (owners of `d`) for which `author`'s state is authoritative.
    func authoritativeOwners(author: String, d: String) throws -> [RepoKey] {
        try announcementOwners(d).map { RepoKey(owner: $0, d: d) }.filter { try speaksFor(author, $0) }
    }

    /// Whether a state by `author` speaks for `key`: the author is in its maintainer set.
    func speaksFor(_ author: String, _ key: RepoKey) throws -> Bool {
        decide(.speaksFor(author: author, repo: key, reference: try maintainers(of: key).contains(author)))
    }

    /// NIP-01 replacement order (later `created_at`; on a tie the lowest id).
    func newer(_ a: NostrEvent, _ b: NostrEvent) -> Bool {
        decide(.replaces(newer: a, older: b, reference: a.supersedes(b)))
    }

    /// The reference answer, unless a test overrules it (`RelayConfig.decisionHook`).
    func decide(_ d: RelayDecision) -> Bool { config.decisionHook?.body(d) ?? d.reference }
}
