import EventStore
import GitStore
import Nostr
import SimKernel

/// The relay core: purgatory expiry and soft expiry.
extension RelayCore {
    func sweep() {
        if config.faultNoExpiry { return }
        // The checker-validation variant that expires early looks two sweeps ahead.
        let now = config.faultExpireEarly ? self.now + 2 * config.sweepInterval : self.now
        for d in purgatory.states.keys.sorted() {
            // A state that authorized a push git is still applying stays until post-receive
            // (up to the grace): expiring it between the hooks would land refs it named
            // without serving it.
            if pushBeingApplied(identifier: d) { continue }
            let (gone, keep) = purgatory.states[d]!.partitioned { $0.deadline <= now }
            for s in gone {
                purgatory.expired[s.event.id] = now + config.expiredMemory
                observe(.left(eventID: s.event.id, kind: s.event.kind, why: "expired"))
                trace("purgatory.expired", [("id", short(s.event.id)), ("kind", "30618")])
            }
            purgatory.states[d] = keep.isEmpty ? nil : keep
        }
        for id in purgatory.prs.keys.sorted() {
            let entry = purgatory.prs[id]!
            guard entry.deadline <= now else { continue }
            purgatory.prs[id] = nil
            if let e = entry.event {
                purgatory.expired[id] = now + config.expiredMemory
                observe(.left(eventID: id, kind: e.kind, why: "expired"))
            } else {
                // An unclaimed placeholder: nothing authorizes its ref any more.
                if !decide(.dropExpiredPlaceholderRef(id: id, reference: true)) {
                } else if deferRepositoryWrites {
                    purgatory.refDrops.insert(Purgatory.RefDrop(repo: entry.repo, id: id))
                } else {
                    dropPlaceholderRef(entry.repo, id)
                }
                observe(.left(eventID: id, kind: Kinds.pullRequest, why: "expired"))
            }
            trace("purgatory.expired", [("id", short(id)), ("kind", "pr")])
        }
        for key in purgatory.announcements.keys.sorted() {
            expireAnnouncement(key, deleteRepos: !deferRepositoryWrites)
        }
        for id in purgatory.expired.keys.sorted() where purgatory.expired[id]! <= now { purgatory.expired[id] = nil }
    }

    /// Whether git is applying an accepted two-phase push to a repository of `d`.
    func pushBeingApplied(identifier d: String) -> Bool {
        proposedPushes.contains { $0.key.d == d && applying($0.value) }
    }

    /// Whether an accepted two-phase push is still within the grace git has to apply it.
    func applying(_ d: PushDecision) -> Bool {
        d.proposedAt.map { now - $0 < Self.pushApplyGrace } ?? false
    }

    func dropPlaceholderRef(_ repo: RepoKey, _ id: String) {
        repositoryWrite(repo, "drop-placeholder-ref") {
            try storage.write(repo, writer: replica, token: writeToken, "drop-placeholder-ref") { r in
                if r.ref("refs/nostr/\(id)") != nil { try r.deleteRef("refs/nostr/\(id)") }
            }
        }
    }

    /// Repository maintenance for one repo, run by the driver under that repo's lock:
    /// the sweep's repository writes, then applying waiting states whose data is present.
    func maintain(_ key: RepoKey) throws {
        for p in purgatory.refDrops.filter({ $0.repo == key }).sorted() {
            dropPlaceholderRef(key, p.id)
            purgatory.refDrops.remove(p)
        }
        if purgatory.repoDeletes.remove(key) != nil, purgatory.announcements[key] == nil, try announcement(key) == nil {
            if repositoryWrite(key, "delete", { try storage.delete(key, writer: replica, token: writeToken) }) {
                observe(.repoDeleted(key))
            }
            return
        }
        if purgatory.announcements[key] != nil { expireAnnouncement(key) }
        try settle(identifier: key.d)
    }

    /// Repositories with work for `maintain` (sorted): hosted ones and expiring ones.
    public var maintenanceTargets: [RepoKey] { storage.keys }

    /// The default branch of a repository: the HEAD of its newest served state (what an
    /// advertisement pins HEAD to while a maintenance cycle may have moved it).
    public func defaultBranch(_ key: RepoKey) throws -> String? {
        // The cached answer without copying the state event out of the cache (every step of
        // a maintenance cycle asks).
        if store.readFailureHook == nil, let c = servedHeadCache[key], c.store == store.revision,
            c.purgatory == box.announcementsRevision
        {
            return c.head
        }
        return try servedHead(key).head
    }

    /// Expiry of one purgatory announcement: soft-expired ones are forgotten after their
    /// retention; due ones get their repo deleted (only when `deleteRepos`, i.e. when this
    /// code runs where repository writes are allowed) and are marked soft-expired only if
    /// the deletion succeeded (§8.14), else retried next time.
    func expireAnnouncement(_ key: RepoKey, deleteRepos: Bool = true) {
        var entry = purgatory.announcements[key]!
        if entry.softExpired {
            if let f = entry.forgetAt, f <= now {
                purgatory.announcements[key] = nil
                trace("purgatory.forgotten", [("repo", key.description)])
            }
            return
        }
        guard deleteRepos, entry.deadline <= now else { return }
        // git is applying a push the pre-receive hook accepted, its objects still in
        // quarantine: deleting the repository under it would lose an authorized push (and
        // fail it with "unable to migrate objects"). Wait for post-receive, which brings the
        // data, up to the grace; the next sweep looks again.
        if let d = proposedPushes[key], applying(d) {
            trace("purgatory.expiry-deferred", [("repo", key.description), ("why", "push being applied")])
            return
        }
        var deleted = false
        do {
            try storage.delete(key, writer: replica, token: writeToken)
            deleted = true
            observe(.repoDeleted(key))
        } catch {
            observe(.repoDeleteFailed(key))
            trace("purgatory.delete-failed", [("repo", key.description), ("error", "\(error)")])
        }
        if deleted || config.faultSoftExpireOnFailedDelete {
            entry.softExpired = true
            entry.forgetAt = now + config.softExpiryRetention
            purgatory.announcements[key] = entry
            observe(.left(eventID: entry.event.id, kind: entry.event.kind, why: "expired"))
            trace("purgatory.soft-expired", [("repo", key.description)])
        }
    }
}
