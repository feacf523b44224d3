import EventStore
import GitStore
import Nostr
import SimKernel

/// The relay core: repository states: purgatory, release and late binding.
extension RelayCore {
    /// The refs a state names (heads and tags), sorted; peeled `^{}` entries are ignored
    /// unless the §8.11 fault is on.
    func stateRefs(_ e: NostrEvent) -> [(name: String, id: ObjectID)] {
        var refs: [(String, ObjectID)] = []
        if config.faultComparePeeledRefs {
            for t in e.tags where t.count >= 2 && t[0].hasPrefix("refs/") {
                if let id = ObjectID(hex: t[1]) { refs.append((t[0], id)) }
            }
        } else if let st = try? RepoState(e) {
            for r in st.refs { if let id = ObjectID(hex: r.oid) { refs.append((r.name, id)) } }
        }
        return refs.sorted { $0.0 < $1.0 }
    }

    func stateHead(_ e: NostrEvent) -> String? { (try? RepoState(e))?.head }

    func handleState(_ conn: ConnectionID, _ e: NostrEvent, _ source: EventOrigin) throws {
        let d = e.dTag
        if purgatory.states[d]?.contains(where: { $0.event.id == e.id }) == true {
            ok(conn, e, true, "duplicate: in purgatory")
            return
        }
        let owners = try announcementOwners(d)
        if owners.isEmpty {
            ok(conn, e, false, "invalid: no announcement exists for this repository")
            return
        }
        let auth = try owners.map { RepoKey(owner: $0, d: d) }.filter { try speaksFor(e.pubkey, $0) }
        if auth.isEmpty {
            ok(conn, e, false, "invalid: author not authorized for this repository")
            return
        }
        for key in auth {
            guard var entry = purgatory.announcements[key], decide(.extendAnnouncement(repo: key, reference: true))
            else { continue }
            if entry.softExpired { revive(key, &entry) } else { entry.deadline = now + config.purgatoryTTL }
            purgatory.announcements[key] = entry
            observe(.held(entry.event, deadline: entry.deadline))
        }
        if (try store.event(id: e.id)) != nil {
            ok(conn, e, true, "duplicate: already have this event")
            return
        }
        if let stored = try store.latest(ReplacementKey(kind: e.kind, pubkey: e.pubkey, d: d)), !newer(e, stored) {
            ok(conn, e, true, "duplicate: a newer state is already served")
            return
        }
        // Data already present in the identifier: apply and serve now.
        let tips = stateRefs(e).map(\.id)
        if !deferRepositoryWrites, auth.contains(where: storage.exists), dataSource(d, tips) != nil {
            ok(conn, e, true, "")
            if try release(state: e, authoritative: auth, how: "applied", fromPurgatory: false) {
                // The copies it made can complete states waiting for other repositories.
                try settle(identifier: d)
                return
            }
            // Its repositories could not take the objects (a storage error): it waits
            // like any other rather than being lost.
            let deadline = now + config.purgatoryTTL
            purgatory.states[d, default: []].append(.init(event: e, deadline: deadline, source: source))
            observe(.held(e, deadline: deadline))
            trace("purgatory.hold", [("id", short(e.id)), ("kind", "30618"), ("d", d), ("why", "release failed")])
            return
        }
        if source == .sync, purgatory.expired[e.id] != nil {
            ok(conn, e, false, "invalid: previously expired from purgatory without git data")
            return
        }
        let deadline = now + config.purgatoryTTL
        purgatory.states[d, default: []].append(.init(event: e, deadline: deadline, source: source))
        observe(.held(e, deadline: deadline))
        trace("purgatory.hold", [("id", short(e.id)), ("kind", "30618"), ("d", d)])
        ok(conn, e, true, Self.purgatoryMessage)
    }

    /// A `servedHead` answer and the store and purgatory revisions it was read at. A class:
    /// every maintenance step reads the head, and copying the state event out of the
    /// cache each time retained each of its strings.
    final class ServedHead {
        let store: Int
        let purgatory: Int
        let state: NostrEvent?
        let head: String?
        init(store: Int, purgatory: Int, state: NostrEvent?, head: String?) {
            self.store = store
            self.purgatory = purgatory
            self.state = state
            self.head = head
        }
    }

    /// The newest served state authoritative for `key`.
    func latestServedState(for key: RepoKey) throws -> NostrEvent? { try servedHead(key).state }

    /// The newest served state of `key`'s maintainers and the HEAD it names. It depends
    /// only on the event store and purgatory's waiting announcements (they decide the
    /// maintainers), so it is kept until either changes (their revisions); a store under a
    /// read-failure test double is always asked.
    func servedHead(_ key: RepoKey) throws -> (state: NostrEvent?, head: String?) {
        let revisions = (store: store.revision, purgatory: box.announcementsRevision)
        if store.readFailureHook == nil, let c = servedHeadCache[key], c.store == revisions.store,
            c.purgatory == revisions.purgatory
        {
            return (c.state, c.head)
        }
        let m = try maintainers(of: key).sorted()
        let states = try store.query([Filter(authors: m, kinds: [Kinds.repoState], tags: ["d": [key.d]])])
        let state = states.filter { $0.dTag == key.d }.sorted(by: queryOrder).first
        let head = state.flatMap(stateHead)
        servedHeadCache[key] = ServedHead(
            store: revisions.store, purgatory: revisions.purgatory, state: state, head: head)
        return (state, head)
    }

    /// Serves `state`, brings every authoritative repo to its refs (copying objects from a
    /// repo that has them), sets HEAD, and promotes those repos' purgatory announcements.
    /// Returns whether the state left purgatory (false: no repository could take its data).
    @discardableResult
    func release(state e: NostrEvent, authoritative auth: [RepoKey], how: String, fromPurgatory: Bool) throws -> Bool {
        let refs = stateRefs(e)
        let tips = refs.map(\.id)
        let targets = auth.filter { storage.exists($0) }
        guard let source = dataSource(e.dTag, tips, preferring: targets), !targets.isEmpty else {
            trace(
                "release.no-source",
                [("id", short(e.id)), ("targets", targets.map(\.description).joined(separator: ","))])
            return false
        }
        // The objects go to every repository the state speaks for first (a served state's
        // data is in each of them), even one whose refs stay with a newer state.
        for key in targets where key != source {
            guard let repo = storage.repository(key), let from = storage.repository(source), !repo.isComplete(tips)
            else { continue }
            do {
                let pack = try from.pack(tips: tips, haves: repo.refs.map(\.id).filter { from.contains($0) })
                try storage.write(key, writer: replica, token: writeToken, "copy-objects") { r in
                    _ = try r.receive(pack)
                }
            } catch {
                trace("repo.write-failed", [("repo", key.description), ("error", "\(error)")])
            }
        }
        guard targets.contains(where: { storage.repository($0)?.isComplete(tips) == true }) else {
            trace("release.copy-incomplete", [("id", short(e.id)), ("source", source.description)])
            return false
        }
        let waitingBefore = purgatory.states[e.dTag]
        if fromPurgatory {
            purgatory.states[e.dTag]?.removeAll { $0.event.id == e.id }
            if purgatory.states[e.dTag]?.isEmpty == true { purgatory.states[e.dTag] = nil }
            observe(.left(eventID: e.id, kind: e.kind, why: "released"))
        }
        let stored: Bool
        do { stored = try serve(e, how: how) } catch {
            if fromPurgatory { purgatory.states[e.dTag] = waitingBefore }  // not stored: it keeps waiting
            throw error
        }
        guard stored else { return true }
        for key in targets {
            guard let repo = storage.repository(key), repo.isComplete(tips) else { continue }
            // Never move a repo back to an older state than one already served for it.
            if let newest = try latestServedState(for: key), newest.id != e.id, newer(newest, e) { continue }
            do {
                try storage.write(key, writer: replica, token: writeToken, "apply-state") { r in
                    let wanted = Dictionary(uniqueKeysWithValues: refs.map { ($0.name, $0.id) })
                    for (name, _) in r.refs where isHostedRef(name) && wanted[name] == nil { try r.deleteRef(name) }
                    for (name, id) in refs where r.ref(name) != id { try r.setRef(name, id) }
                    if let head = stateHead(e), wanted[head] != nil, r.head != head { try r.setHead(head) }
                }
                observe(.refsChanged(repo: key, refs: repo.refs, head: repo.head, why: "state \(short(e.id))"))
            } catch {
                trace("repo.write-failed", [("repo", key.description), ("error", "\(error)")])
                continue
            }
            if key == source || !config.faultSkipPromotingCopies { try promote(key) }
        }
        // Older waiting states of the same author are superseded by this one.
        if var waiting = purgatory.states[e.dTag] {
            let superseded = waiting.filter { $0.event.pubkey == e.pubkey && newer(e, $0.event) }
            for s in superseded { observe(.left(eventID: s.event.id, kind: s.event.kind, why: "superseded")) }
            waiting.removeAll { w in superseded.contains { $0.event.id == w.event.id } }
            purgatory.states[e.dTag] = waiting.isEmpty ? nil : waiting
        }
        return true
    }

    /// A repository of identifier `d` holding every object reachable from `tips` (one of
    /// `preferring` first). Git data that reached any repository of the identifier — a
    /// fetch lands in the repository of the owner whose URL answered — is data for every
    /// state and pull request of it: the ids name the content (found by the generated
    /// sync profile: a state waited out its ttl with its objects in a sibling repository).
    func dataSource(_ d: String, _ tips: [ObjectID], preferring: [RepoKey] = []) -> RepoKey? {
        let candidates = preferring + storage.keys.filter { $0.d == d && !preferring.contains($0) }
        return candidates.first { storage.repository($0)?.isComplete(tips) == true }
    }

    /// Refs that a state governs.
    func isHostedRef(_ name: String) -> Bool { name.hasPrefix("refs/heads/") || name.hasPrefix("refs/tags/") }

    func promote(_ key: RepoKey) throws {
        guard let entry = purgatory.announcements[key], !entry.softExpired else { return }
        // A newer version served (under the maintainer exception) leaves nothing to
        // promote: this one would be taken out of purgatory and never served (found by
        // the relay model, generated arrival seed 22). It waits until it expires.
        if let stored = try store.latest(ReplacementKey(kind: Kinds.repoAnnouncement, pubkey: key.owner, d: key.d)),
            newer(stored, entry.event)
        {
            return
        }
        purgatory.announcements[key] = nil
        observe(.left(eventID: entry.event.id, kind: entry.event.kind, why: "released"))
        do { try serve(entry.event, how: "released") } catch {
            purgatory.announcements[key] = entry  // not stored: it keeps waiting
            throw error
        }
    }

    /// "Git data became available" for identifier `d`: release every waiting state whose
    /// objects are now complete in an authoritative repo, newest first. Pushes, state
    /// arrival and (later) sync fetches all come through here.
    func settle(identifier d: String) throws {
        // Releasing a state copies its objects into the other repositories it speaks for,
        // which can complete a state passed over earlier in the same pass (another
        // maintainer's, newer): repeat until a pass releases nothing. Each release takes
        // its state out of purgatory, so this ends.
        var releasedOne = true
        while releasedOne {
            releasedOne = false
            guard let waiting = purgatory.states[d] else { break }
            for entry in waiting.sorted(by: { newer($0.event, $1.event) }) {
                guard purgatory.states[d]?.contains(where: { $0.event.id == entry.event.id }) == true else { continue }
                let auth = try authoritativeOwners(author: entry.event.pubkey, d: d)
                let tips = stateRefs(entry.event).map(\.id)
                guard auth.contains(where: storage.exists), dataSource(d, tips) != nil else { continue }
                if try release(state: entry.event, authoritative: auth, how: "released", fromPurgatory: true) {
                    releasedOne = true
                }
            }
        }
        try settlePullRequests(d)
        try promoteAnnouncementsWithServedData(d)
    }

    /// A waiting announcement whose repository already carries the newest served state of
    /// its maintainers has its git data: it is served. (An announcement deleted and made
    /// again leaves its repository and refs behind; generated arrival seed 1620.)
    func promoteAnnouncementsWithServedData(_ d: String) throws {
        // §8.15's broken variant never promotes a repository that received a copy.
        if config.faultSkipPromotingCopies { return }
        for key in purgatory.announcements.keys.sorted() where key.d == d {
            guard let repo = storage.repository(key) else { continue }
            var have: [(String, ObjectID)] = repo.refs.filter { isHostedRef($0.name) }.map { ($0.name, $0.id) }
            have.sort { $0.0 < $1.0 }
            guard !have.isEmpty else { continue }
            // Any served state of a current maintainer naming exactly these refs: the
            // repository carries data a maintainer vouched for (the newest one may be
            // another maintainer's, newer, whose data a change of maintainers brought in
            // without rewriting the repository; generated seed 69877).
            let m = try maintainers(of: key).sorted()
            let states = try store.query([Filter(authors: m, kinds: [Kinds.repoState], tags: ["d": [d]])])
            let matches = states.contains { s in
                let want = stateRefs(s)
                return s.dTag == d && want.map(\.name) == have.map(\.0) && want.map(\.id) == have.map(\.1)
            }
            if matches { try promote(key) }
        }
    }

    /// Releases every waiting pull request of identifier `d` whose tip commit is complete
    /// in some repository of the identifier: its objects are copied into the repository it
    /// names (a fetch lands in the repository of the owner whose URL answered, a push in
    /// the one pushed to) and `refs/nostr/<id>` is written, as a push of it would.
    func settlePullRequests(_ d: String) throws {
        if config.faultKeepPRsWaiting { return }
        // A fetch lands in the repository of the owner whose URL answered; a pull request
        // of the identifier waiting on another owner's repository takes the objects from
        // there (generated sync profile: the data was here, in the wrong repository).
        let siblings = storage.keys.filter { $0.d == d }
        for id in purgatory.prs.keys.sorted() {
            guard let entry = purgatory.prs[id], entry.repo.d == d, let e = entry.event,
                let commit = entry.commit, let target = storage.repository(entry.repo),
                let source = siblings.first(where: { storage.repository($0)?.isComplete([commit]) == true }),
                let from = storage.repository(source)
            else { continue }
            do {
                if !target.isComplete([commit]) {
                    let pack = try from.pack(tips: [commit], haves: target.refs.map(\.id).filter { from.contains($0) })
                    try storage.write(entry.repo, writer: replica, token: writeToken, "pr-objects-from-sync") { r in
                        _ = try r.receive(pack)
                    }
                }
                try storage.write(entry.repo, writer: replica, token: writeToken, "pr-ref-from-sync") { r in
                    try r.setRef("refs/nostr/\(id)", commit)
                }
            } catch {
                trace("repo.write-failed", [("repo", entry.repo.description), ("error", "\(error)")])
                continue
            }
            purgatory.prs[id] = nil
            observe(.left(eventID: id, kind: e.kind, why: "released"))
            do { try serve(e, how: "released") } catch {
                purgatory.prs[id] = entry  // not stored: it keeps waiting
                throw error
            }
        }
    }
}
