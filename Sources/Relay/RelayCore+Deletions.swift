import EventStore
import GitStore
import Nostr
import SimKernel

/// The relay core: deletions (NIP-09) and related events (R3).
extension RelayCore {
    func handleDeletion(_ conn: ConnectionID, _ e: NostrEvent) throws {
        let req = try? DeletionRequest(e)
        let ids = Set(req?.eventIDs ?? [])
        let coords = req?.coordinates ?? []
        var removed: [String] = []
        for d in purgatory.states.keys.sorted() {
            let before = purgatory.states[d]!
            let keep = before.filter { s in
                guard s.event.pubkey == e.pubkey else { return true }
                if ids.contains(s.event.id) { return false }
                return !coords.contains {
                    $0.kind == s.event.kind && $0.pubkey == s.event.pubkey && $0.d == d
                        && s.event.createdAt <= e.createdAt
                }
            }
            for s in before where !keep.contains(where: { $0.event.id == s.event.id }) { removed.append(s.event.id) }
            purgatory.states[d] = keep.isEmpty ? nil : keep
        }
        for id in purgatory.prs.keys.sorted() {
            if let ev = purgatory.prs[id]?.event, ev.pubkey == e.pubkey, ids.contains(id) {
                purgatory.prs[id] = nil
                removed.append(id)
            }
        }
        for key in purgatory.announcements.keys.sorted() {
            let entry = purgatory.announcements[key]!
            let byID = ids.contains(entry.event.id)
            let byCoord = coords.contains {
                $0.kind == Kinds.repoAnnouncement && $0.pubkey == key.owner && $0.d == key.d
                    && entry.event.createdAt <= e.createdAt
            }
            // Only its own author's: NIP-09.
            if decide(
                .deletionRemovesWaiting(
                    deletion: e, waiting: entry.event, reference: key.owner == e.pubkey && (byID || byCoord)))
            {
                purgatory.announcements[key] = nil
                removed.append(entry.event.id)
                if deferRepositoryWrites {
                    purgatory.repoDeletes.insert(key)
                } else if !entry.softExpired,
                    repositoryWrite(
                        key, "delete", { try storage.delete(key, writer: replica, token: writeToken) })
                {
                    observe(.repoDeleted(key))
                }
            }
        }
        for id in removed.sorted() {
            observe(.left(eventID: id, kind: 0, why: "deleted"))
            trace("purgatory.deleted", [("id", short(id))])
        }
        do {
            // Delete first: storing a kind-5 event applies it too, and silently, so the other
            // order never reported what the deletion took from readers.
            let unserved = try store.applyDeletion(e)
            _ = try store.insert(e)
            if !unserved.isEmpty { observe(.unserved(eventIDs: unserved, why: "deletion \(short(e.id))")) }
            observe(.served(e, how: "accepted"))
            broadcast(e)
        } catch {
            ok(conn, e, false, "error: \(error)")
            return
        }
        // Deleting a served version can make the author's waiting one current again, with
        // its repository already holding served data (generated sync seed 1334).
        if !deferRepositoryWrites {
            for d in Set(purgatory.announcements.keys.filter { $0.owner == e.pubkey }.map(\.d)).sorted() {
                try settle(identifier: d)
            }
        }
        ok(conn, e, true, "")
    }

    /// R3: events that tag hosted repositories or stored events, or that a stored
    /// announcement, issue, patch or pull request tags, are accepted.
    func handleRelated(_ conn: ConnectionID, _ e: NostrEvent) throws {
        var related = try tagsHostedEvent(e)
        if !related && !config.faultOneWayReferences { related = try taggedByHostedEvent(e) }
        guard related || config.acceptOrphans else {
            ok(conn, e, false, "blocked: event does not reference a repository hosted here")
            return
        }
        if (try store.event(id: e.id)) != nil {
            ok(conn, e, true, "duplicate: already have this event")
            return
        }
        if !config.faultForgetAcceptedEvents { try serve(e, how: "accepted") }
        ok(conn, e, true, "")
    }

    /// Tag names that relate one event to another (R3).
    var relatingTags: (address: [String], id: [String]) {
        config.faultLowercaseTagsOnly ? (["a"], ["e"]) : (["a", "A"], ["e", "E", "q"])
    }

    /// Whether `e` tags an announcement hosted here or an event stored here.
    func tagsHostedEvent(_ e: NostrEvent) throws -> Bool {
        let names = relatingTags
        for t in e.tags where t.count >= 2 {
            if names.address.contains(t[0]) || (t[0] == "q" && names.id.contains("q") && t[1].contains(":")) {
                if let c = ReplacementKey(coordinate: t[1]), c.kind == Kinds.repoAnnouncement,
                    try announcement(RepoKey(owner: c.pubkey, d: c.d)) != nil
                {
                    return true
                }
            } else if names.id.contains(t[0]) {
                if (try store.event(id: t[1])) != nil { return true }
            }
        }
        return false
    }

    /// Kinds whose references make the referenced event welcome (R3, "tagged by").
    static let referencingKinds = [
        Kinds.repoAnnouncement, Kinds.patch, Kinds.pullRequest, Kinds.pullRequestUpdate,
        Kinds.issue,
    ]

    /// Whether a stored announcement, issue, patch or pull request tags `e` (by id, or by
    /// its address when `e` is addressable).
    func taggedByHostedEvent(_ e: NostrEvent) throws -> Bool {
        let names = relatingTags
        var filters = names.id.map { Filter(kinds: Self.referencingKinds, tags: [$0: [e.id]], limit: 1) }
        if (30000..<40000).contains(e.kind) {
            let address = "\(e.kind):\(e.pubkey):\(e.dTag)"
            filters += (names.address + (names.id.contains("q") ? ["q"] : [])).map {
                Filter(kinds: Self.referencingKinds, tags: [$0: [address]], limit: 1)
            }
        }
        return try !store.query(filters).isEmpty
    }
}
