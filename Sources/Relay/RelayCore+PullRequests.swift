import EventStore
import GitStore
import Nostr
import SimKernel

/// The relay core: pull requests and their updates (R9).
extension RelayCore {
    func handlePR(_ conn: ConnectionID, _ e: NostrEvent, _ source: EventOrigin) throws {
        guard let commitHex = e.tagValue("c"), let commit = ObjectID(hex: commitHex) else {
            ok(conn, e, false, "invalid: pull request needs a c tag with the tip commit")
            return
        }
        let repos = try e.tagValues("a").compactMap(ReplacementKey.init(coordinate:))
            .filter { $0.kind == Kinds.repoAnnouncement }
            .map { RepoKey(owner: $0.pubkey, d: $0.d) }
            .filter { try announcement($0) != nil }
            .sorted()
        guard let target = repos.first else {
            ok(conn, e, false, "invalid: pull request for a repository not hosted here")
            return
        }
        if (try store.event(id: e.id)) != nil {
            ok(conn, e, true, "duplicate: already have this event")
            return
        }
        if let entry = purgatory.prs[e.id] {
            if entry.event != nil {
                ok(conn, e, true, "duplicate: in purgatory")
                return
            }
            // Git came first (placeholder).
            purgatory.prs[e.id] = nil
            // The placeholder stands for its ref only while the ref is there: deleting the
            // repository (its announcement deleted or expired) took it (generated seed 6442).
            let refThere = storage.repository(entry.repo)?.ref("refs/nostr/\(e.id)") == commit
            if entry.commit == commit, refThere {
                do { try serve(e, how: "released") } catch {
                    purgatory.prs[e.id] = entry  // the placeholder stays
                    throw error
                }
                ok(conn, e, true, "")
                return
            }
            if entry.commit == commit {
                trace("pr.placeholder-ref-gone", [("id", short(e.id)), ("repo", entry.repo.description)])
            } else if deferRepositoryWrites {
                purgatory.refDrops.insert(Purgatory.RefDrop(repo: entry.repo, id: e.id))
            } else {
                dropPlaceholderRef(entry.repo, e.id)
                if let r = storage.repository(entry.repo) {
                    observe(.refsChanged(repo: entry.repo, refs: r.refs, head: r.head, why: "wrong PR commit"))
                }
            }
            if entry.commit != commit {
                trace(
                    "pr.placeholder-mismatch",
                    [("id", short(e.id)), ("had", entry.commit?.hex ?? "-"), ("wants", commitHex)])
            }
        }
        // Data already on a ref for this event?
        for key in repos where storage.repository(key)?.ref("refs/nostr/\(e.id)") == commit {
            try serve(e, how: "released")
            ok(conn, e, true, "")
            return
        }
        if source == .sync, purgatory.expired[e.id] != nil {
            ok(conn, e, false, "invalid: previously expired from purgatory without git data")
            return
        }
        if config.faultPRsSkipPurgatory {
            try serve(e, how: "accepted")
            ok(conn, e, true, "")
            return
        }
        let deadline = now + config.purgatoryTTL
        purgatory.prs[e.id] = .init(event: e, repo: target, commit: commit, deadline: deadline)
        observe(.held(e, deadline: deadline))
        trace("purgatory.hold", [("id", short(e.id)), ("kind", String(e.kind))])
        // Its commit may be here already, in another repository of the identifier.
        if !deferRepositoryWrites { try settlePullRequests(target.d) }
        ok(conn, e, true, purgatory.prs[e.id] == nil ? "" : Self.purgatoryMessage)
    }
}
