import Nostr
import GitStore
import EventStore
import SimKernel

/// The reference GRASP relay/git-host as a sans-IO state machine (SPEC §3–4):
/// `handle(input, now) -> [RelayOutput]`. The event store and repository storage are
/// shared services handed in, so several replicas can run over the same data.
public final class RelayCore {
    public let config: RelayConfig
    /// This replica's name (write records, traces).
    public let replica: String
    public let store: EventStore
    public let storage: RepositoryStorage
    private let box: PurgatoryBox
    public private(set) var purgatory: Purgatory {
        get { box.value }
        set { box.value = newValue }
    }
    /// Changes whenever purgatory changes (see `PurgatoryBox.revision`).
    public var purgatoryRevision: Int { box.revision }
    /// Changes whenever the waiting announcements change.
    public var purgatoryAnnouncementsRevision: Int { box.announcementsRevision }
    /// With replicas (`config.deferRepositoryWrites`), repository writes not made under a
    /// lock — the sweep's (deleting expired announcements' repos, dropping placeholder refs)
    /// and those an arriving event would trigger (applying a state whose data is present,
    /// deleting a deleted announcement's repo, dropping a wrong PR ref) — are left to
    /// `.maintain(repo)`, which the driver runs under that repository's lock. Pushes
    /// already hold it.
    private var deferRepositoryWrites: Bool { config.deferRepositoryWrites }
    private var subscriptions: [ConnectionID: [(id: String, filters: [Filter])]] = [:]
    private var out: [RelayOutput] = []
    private var now: SimTime = 0
    /// The fencing token of the call being handled (its repository lock's grant).
    private var writeToken: UInt64? = nil
    /// Pushes the git programs are applying: accepted by `pushProposed`, waiting for
    /// `pushApplied` (one per repository: a server runs one receive-pack per repository).
    private var proposedPushes: [RepoKey: PushDecision] = [:]
    private var servedHeadCache: [RepoKey: (store: Int, purgatory: Int, state: NostrEvent?, head: String?)] = [:]

    public init(config: RelayConfig, replica: String, store: EventStore, storage: RepositoryStorage,
                purgatory: PurgatoryBox = PurgatoryBox()) {
        self.config = config; self.replica = replica; self.store = store; self.storage = storage
        self.box = purgatory
        store.faultKeepFirstOnTie = config.faultKeepFirstOnTie
    }

    /// Unix seconds of `now` (for created_at comparisons).
    var unixNow: Int64 { config.epochUnix + now / Time.second }

    // MARK: entry point

    /// Handles one input. `writeToken` is the fencing token of the repository lock the
    /// driver holds for it (replicas: pushes, maintenance, arriving git data); every
    /// repository write the input causes carries it.
    public func handle(_ input: RelayInput, now: SimTime, writeToken: UInt64? = nil) -> [RelayOutput] {
        self.now = now
        self.writeToken = writeToken
        defer { self.writeToken = nil }
        out.removeAll(keepingCapacity: true)
        switch input {
        case .nostrText(let conn, let text, let source):
            let message: ClientMessage
            do { message = try ClientMessage.parse(text) } catch {
                if !config.faultSilentOnInvalidFrames { out.append(.send(conn, .notice("invalid: \(error)"))) }
                break
            }
            handleClient(conn, message, source)
        case .nostr(let conn, let msg, let source): handleClient(conn, msg, source)
        case .disconnect(let conn): subscriptions[conn] = nil
        case .nip11(let req): out.append(.reply(req, .nip11(nip11Document())))
        case .gitAdvertise(let req, let path): answering(req, "advertisement") { try advertise(req, path) }
        case .gitPush(let req, let path, let updates, let pack): answering(req, "push") { try push(req, path, updates, pack) }
        case .gitFetch(let req, let path, let wants, let haves): answering(req, "fetch") { try fetch(req, path, wants, haves) }
        case .gitPushProposed(let req, let path, let updates): answering(req, "push") { try pushProposed(req, path, updates) }
        case .gitPushApplied(let req, let path, let updates): answering(req, "push") { try pushApplied(req, path, updates) }
        case .sweep: sweep()
        case .maintain(let key): reporting("maintenance of \(key)") { try maintain(key) }
        case .gitDataArrived(let key): reporting("git data for \(key.d)") { try settle(identifier: key.d) }
        }
        return out
    }

    // MARK: failures

    // A read of the event store failing mid-input is never taken as "absent": the input
    // stops, its client gets an `error:` answer (unless it already got its answer), and
    // the failure is observed for the checks.

    private func storeFailed(_ what: String, _ error: Error) {
        observe(.storeFailed(input: what, error: "\(error)"))
        trace("store.failed", [("input", what), ("error", "\(error)")])
    }

    private func answering(_ req: RequestID, _ what: String, _ body: () throws -> Void) {
        do { try body() } catch {
            storeFailed(what, error)
            let answered = out.contains { if case .reply(let r, _) = $0 { return r == req } else { return false } }
            if !answered {
                out.append(.reply(req, .httpError(status: 500, headers: Self.corsHeaders, message: "error: \(error)")))
            }
        }
    }

    private func reporting(_ what: String, _ body: () throws -> Void) {
        do { try body() } catch { storeFailed(what, error) }
    }

    /// A repository write that storage may refuse (a stale fencing token, a deletion that
    /// fails): the refusal is observed and the caller learns whether the write happened.
    @discardableResult
    private func repositoryWrite(_ repo: RepoKey, _ operation: String, _ body: () throws -> Void) -> Bool {
        do { try body(); return true } catch {
            observe(.repoWriteRefused(repo: repo, operation: operation, error: "\(error)"))
            return false
        }
    }

    /// Graceful shutdown: the purgatory to persist. Subscriptions end.
    public func shutdown(now: SimTime) -> PurgatorySnapshot {
        subscriptions.removeAll()
        return PurgatorySnapshot(purgatory, now: now)
    }

    /// Restart after a graceful shutdown: purgatory comes back with downtime subtracted.
    public func restore(_ snapshot: PurgatorySnapshot, now: SimTime, downtime: SimDuration) {
        purgatory = snapshot.restore(now: now, downtime: downtime)
    }

    private func trace(_ kind: String, _ fields: [(String, String)]) { out.append(.trace(kind, fields)) }
    private func observe(_ o: Observation) { out.append(.observe(o)) }

    // MARK: NIP-01

    private func handleClient(_ conn: ConnectionID, _ msg: ClientMessage, _ source: EventOrigin) {
        switch msg {
        case .event(let e):
            do { try handleEvent(conn, e, source) } catch {
                storeFailed("event \(short(e.id))", error)
                let answered = out.contains { if case .send(_, .ok(e.id, _, _)) = $0 { return true } else { return false } }
                if !answered { ok(conn, e, false, "error: \(error)") }
            }
        case .req(let subID, let filters):
            let events: [NostrEvent]
            do { events = try store.query(filters) } catch {
                storeFailed("subscription \(subID)", error)
                out.append(.send(conn, .closed(subID: subID, message: "error: \(error)"))); return
            }
            for e in config.faultOldestFirst ? events.reversed() : events { out.append(.send(conn, .event(subID: subID, e))) }
            if !config.faultNoEOSE { out.append(.send(conn, .eose(subID: subID))) }
            var subs = subscriptions[conn] ?? []
            subs.removeAll { $0.id == subID }
            subs.append((subID, filters))
            subscriptions[conn] = subs
        case .close(let subID):
            subscriptions[conn]?.removeAll { $0.id == subID }
        }
    }

    private func ok(_ conn: ConnectionID, _ e: NostrEvent, _ accepted: Bool, _ message: String) {
        var message = message
        if config.faultUnprefixedMessages, !accepted, let colon = message.firstIndex(of: ":") {
            message = String(message[message.index(after: colon)...].drop { $0 == " " })
        }
        out.append(.send(conn, .ok(eventID: e.id, accepted: accepted, message: message)))
        observe(.acknowledged(eventID: e.id, accepted: accepted, message: message))
        trace(accepted ? "event.ok" : "event.rejected",
              [("id", short(e.id)), ("kind", String(e.kind)), ("msg", message)])
    }

    static let purgatoryMessage = "purgatory: won't be served until git data arrives"

    private func handleEvent(_ conn: ConnectionID, _ e: NostrEvent, _ source: EventOrigin) throws {
        do { try e.validate() } catch {
            ok(conn, e, false, "invalid: \(error)"); return
        }
        if e.kindClass == .ephemeral { ok(conn, e, true, ""); return }
        // NIP-09: what its author deleted is not taken again — not even into purgatory,
        // where it could never be served (found by the relay model, generated seed 2442).
        if (try store.isDeleted(e)) == true {
            ok(conn, e, false, "blocked: deleted by its author"); return
        }
        switch e.kind {
        case Kinds.repoAnnouncement: try handleAnnouncement(conn, e)
        case Kinds.repoState: try handleState(conn, e, source)
        case Kinds.pullRequest, Kinds.pullRequestUpdate: try handlePR(conn, e, source)
        case Kinds.deletion: try handleDeletion(conn, e)
        default: try handleRelated(conn, e)
        }
    }

    /// Stores and serves an event, and delivers it to live subscriptions.
    @discardableResult
    private func serve(_ e: NostrEvent, how: String) throws -> Bool {
        // A failed insert stops the input like a failed read: its client hears `error:`.
        let outcome = try store.insert(e)
        switch outcome {
        case .stored, .replaced:
            if case .replaced(let old) = outcome, !old.isEmpty { observe(.unserved(eventIDs: old, why: "replaced")) }
            observe(.served(e, how: how))
            trace("event.served", [("id", short(e.id)), ("kind", String(e.kind)), ("how", how)])
            broadcast(e)
            return true
        default:
            return false
        }
    }

    private func broadcast(_ e: NostrEvent) {
        for conn in subscriptions.keys.sorted() {
            for sub in subscriptions[conn]! where sub.filters.matches(e) {
                out.append(.send(conn, .event(subID: sub.id, e)))
            }
        }
    }

    // MARK: announcements

    private func listsThisService(_ a: RepoAnnouncement) -> Bool {
        a.cloneURLs.contains { $0.hasPrefix(config.gitBaseURL) }
            && a.relayURLs.contains { $0 == config.relayURL || $0 == config.relayURL + "/" }
    }

    private func handleAnnouncement(_ conn: ConnectionID, _ e: NostrEvent) throws {
        guard let ann = try? RepoAnnouncement(e), !ann.identifier.isEmpty else {
            ok(conn, e, false, "invalid: announcement needs a d tag"); return
        }
        let key = RepoKey(owner: e.pubkey, d: ann.identifier)
        if !listsThisService(ann) {
            // R2 exception: an existing maintainer may announce a copy hosted elsewhere.
            let isMaintainer = decide(.maintainerException(author: e.pubkey, identifier: ann.identifier, reference:
                try announcementOwners(ann.identifier).contains { try maintainers(of: RepoKey(owner: $0, d: ann.identifier)).contains(e.pubkey) }))
            guard isMaintainer else {
                ok(conn, e, false, "invalid: announcement must list this service in clone and relays"); return
            }
            if let stored = try store.latest(ReplacementKey(kind: e.kind, pubkey: e.pubkey, d: ann.identifier)),
               !newer(e, stored) {
                ok(conn, e, true, "duplicate: have this or a newer announcement"); return
            }
            // A newer version of this very announcement waits in purgatory: the older one is
            // not served (NIP-01 replacement order holds across purgatory; docs/relay.md).
            if let waiting = purgatory.announcements[key],
               decide(.notNewerThanWaiting(arriving: e, waiting: waiting.event, reference: !newer(e, waiting.event))) {
                ok(conn, e, true, "duplicate: a newer announcement is in purgatory"); return
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
            ok(conn, e, true, "duplicate: have this or a newer announcement"); return
        }
        // (Whether the served version listed this service is read from it, not guessed from
        // a repository existing: a crash that lost a waiting entry leaves its empty
        // repository behind; generated swarm seed 2863.)
        if let stored, (try? RepoAnnouncement(stored)).map(listsThisService) == true,
           storage.exists(key), purgatory.announcements[key] == nil {
            try serve(e, how: "accepted")
            ok(conn, e, true, "")
            if !deferRepositoryWrites { try settle(identifier: ann.identifier) }
            return
        }
        if var entry = purgatory.announcements[key] {
            if entry.event.id == e.id { ok(conn, e, true, "duplicate: in purgatory"); return }
            if decide(.notNewerThanWaiting(arriving: e, waiting: entry.event, reference: !newer(e, entry.event))) {
                ok(conn, e, true, "duplicate: a newer announcement is in purgatory"); return
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
            try storage.create(key, writer: replica, token: writeToken, now: now)
            observe(.repoCreated(key))
        } catch {
            ok(conn, e, false, "error: could not create repository: \(error)"); return
        }
        purgatory.announcements[key] = Purgatory.AnnouncementEntry(event: e, deadline: now + config.purgatoryTTL)
        observe(.held(e, deadline: now + config.purgatoryTTL))
        trace("purgatory.hold", [("id", short(e.id)), ("kind", "30617"), ("repo", key.description)])
        ok(conn, e, true, Self.purgatoryMessage)
        if !deferRepositoryWrites { try settle(identifier: ann.identifier) }
    }

    private func revive(_ key: RepoKey, _ entry: inout Purgatory.AnnouncementEntry) {
        entry.softExpired = false
        entry.forgetAt = nil
        entry.deadline = now + config.purgatoryTTL
        if repositoryWrite(key, "create", { try storage.create(key, writer: replica, token: writeToken, now: now) }) {
            observe(.repoCreated(key))
        }
        trace("purgatory.revive", [("repo", key.description)])
    }

    /// The announcement of `owner` for `d`: the newest version, waiting or served. A
    /// version served under the maintainer exception can be newer than one waiting in
    /// purgatory (equal `created_at`, lower id): the waiting one no longer speaks for its
    /// author, e.g. about maintainers.
    private func announcement(_ key: RepoKey) throws -> NostrEvent? {
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
                  let ann = try? RepoAnnouncement(ev) else { continue }
            for x in ann.maintainers where !set.contains(x) {   // visited set: cycles end here
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

    // MARK: states

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

    private func handleState(_ conn: ConnectionID, _ e: NostrEvent, _ source: EventOrigin) throws {
        let d = e.dTag
        if purgatory.states[d]?.contains(where: { $0.event.id == e.id }) == true {
            ok(conn, e, true, "duplicate: in purgatory"); return
        }
        let owners = try announcementOwners(d)
        if owners.isEmpty {
            ok(conn, e, false, "invalid: no announcement exists for this repository"); return
        }
        let auth = try owners.map { RepoKey(owner: $0, d: d) }.filter { try speaksFor(e.pubkey, $0) }
        if auth.isEmpty {
            ok(conn, e, false, "invalid: author not authorized for this repository"); return
        }
        for key in auth {
            guard var entry = purgatory.announcements[key], decide(.extendAnnouncement(repo: key, reference: true)) else { continue }
            if entry.softExpired { revive(key, &entry) } else { entry.deadline = now + config.purgatoryTTL }
            purgatory.announcements[key] = entry
            observe(.held(entry.event, deadline: entry.deadline))
        }
        if (try store.event(id: e.id)) != nil {
            ok(conn, e, true, "duplicate: already have this event"); return
        }
        if let stored = try store.latest(ReplacementKey(kind: e.kind, pubkey: e.pubkey, d: d)), !newer(e, stored) {
            ok(conn, e, true, "duplicate: a newer state is already served"); return
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
            ok(conn, e, false, "invalid: previously expired from purgatory without git data"); return
        }
        let deadline = now + config.purgatoryTTL
        purgatory.states[d, default: []].append(.init(event: e, deadline: deadline, source: source))
        observe(.held(e, deadline: deadline))
        trace("purgatory.hold", [("id", short(e.id)), ("kind", "30618"), ("d", d)])
        ok(conn, e, true, Self.purgatoryMessage)
    }

    /// The newest served state authoritative for `key`.
    private func latestServedState(for key: RepoKey) throws -> NostrEvent? { try servedHead(key).state }

    /// The newest served state of `key`'s maintainers and the HEAD it names. It depends
    /// only on the event store and purgatory's waiting announcements (they decide the
    /// maintainers), so it is kept until either changes (their revisions); a store under a
    /// read-failure test double is always asked.
    private func servedHead(_ key: RepoKey) throws -> (state: NostrEvent?, head: String?) {
        let revisions = (store: store.revision, purgatory: box.announcementsRevision)
        if store.readFailureHook == nil, let c = servedHeadCache[key], c.store == revisions.store, c.purgatory == revisions.purgatory {
            return (c.state, c.head)
        }
        let m = try maintainers(of: key).sorted()
        let states = try store.query([Filter(authors: m, kinds: [Kinds.repoState], tags: ["d": [key.d]])])
        let state = states.filter { $0.dTag == key.d }.sorted(by: queryOrder).first
        let head = state.flatMap(stateHead)
        servedHeadCache[key] = (revisions.store, revisions.purgatory, state, head)
        return (state, head)
    }

    /// Serves `state`, brings every authoritative repo to its refs (copying objects from a
    /// repo that has them), sets HEAD, and promotes those repos' purgatory announcements.
    /// Returns whether the state left purgatory (false: no repository could take its data).
    @discardableResult
    private func release(state e: NostrEvent, authoritative auth: [RepoKey], how: String, fromPurgatory: Bool) throws -> Bool {
        let refs = stateRefs(e)
        let tips = refs.map(\.id)
        let targets = auth.filter { storage.exists($0) }
        guard let source = dataSource(e.dTag, tips, preferring: targets), !targets.isEmpty else {
            trace("release.no-source", [("id", short(e.id)), ("targets", targets.map(\.description).joined(separator: ","))])
            return false
        }
        // The objects go to every repository the state speaks for first (a served state's
        // data is in each of them), even one whose refs stay with a newer state.
        for key in targets where key != source {
            guard let repo = storage.repository(key), let from = storage.repository(source), !repo.isComplete(tips) else { continue }
            do {
                let pack = try from.pack(tips: tips, haves: repo.refs.map(\.id).filter { from.contains($0) })
                try storage.write(key, writer: replica, token: writeToken, now: now, "copy-objects") { r in _ = try r.receive(pack) }
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
            if fromPurgatory { purgatory.states[e.dTag] = waitingBefore }   // not stored: it keeps waiting
            throw error
        }
        guard stored else { return true }
        for key in targets {
            guard let repo = storage.repository(key), repo.isComplete(tips) else { continue }
            // Never move a repo back to an older state than one already served for it.
            if let newest = try latestServedState(for: key), newest.id != e.id, newer(newest, e) { continue }
            do {
                try storage.write(key, writer: replica, token: writeToken, now: now, "apply-state") { r in
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
    private func dataSource(_ d: String, _ tips: [ObjectID], preferring: [RepoKey] = []) -> RepoKey? {
        let candidates = preferring + storage.keys.filter { $0.d == d && !preferring.contains($0) }
        return candidates.first { storage.repository($0)?.isComplete(tips) == true }
    }

    /// Refs that a state governs.
    func isHostedRef(_ name: String) -> Bool { name.hasPrefix("refs/heads/") || name.hasPrefix("refs/tags/") }

    private func promote(_ key: RepoKey) throws {
        guard let entry = purgatory.announcements[key], !entry.softExpired else { return }
        // A newer version served (under the maintainer exception) leaves nothing to
        // promote: this one would be taken out of purgatory and never served (found by
        // the relay model, generated arrival seed 22). It waits until it expires.
        if let stored = try store.latest(ReplacementKey(kind: Kinds.repoAnnouncement, pubkey: key.owner, d: key.d)),
           newer(stored, entry.event) { return }
        purgatory.announcements[key] = nil
        observe(.left(eventID: entry.event.id, kind: entry.event.kind, why: "released"))
        do { try serve(entry.event, how: "released") } catch {
            purgatory.announcements[key] = entry   // not stored: it keeps waiting
            throw error
        }
    }

    /// "Git data became available" for identifier `d`: release every waiting state whose
    /// objects are now complete in an authoritative repo, newest first. Pushes, state
    /// arrival and (later) sync fetches all come through here.
    private func settle(identifier d: String) throws {
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
                if try release(state: entry.event, authoritative: auth, how: "released", fromPurgatory: true) { releasedOne = true }
            }
        }
        try settlePullRequests(d)
        try promoteAnnouncementsWithServedData(d)
    }

    /// A waiting announcement whose repository already carries the newest served state of
    /// its maintainers has its git data: it is served. (An announcement deleted and made
    /// again leaves its repository and refs behind; generated arrival seed 1620.)
    private func promoteAnnouncementsWithServedData(_ d: String) throws {
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
    private func settlePullRequests(_ d: String) throws {
        if config.faultKeepPRsWaiting { return }
        // A fetch lands in the repository of the owner whose URL answered; a pull request
        // of the identifier waiting on another owner's repository takes the objects from
        // there (generated sync profile: the data was here, in the wrong repository).
        let siblings = storage.keys.filter { $0.d == d }
        for id in purgatory.prs.keys.sorted() {
            guard let entry = purgatory.prs[id], entry.repo.d == d, let e = entry.event,
                  let commit = entry.commit, let target = storage.repository(entry.repo),
                  let source = siblings.first(where: { storage.repository($0)?.isComplete([commit]) == true }),
                  let from = storage.repository(source) else { continue }
            do {
                if !target.isComplete([commit]) {
                    let pack = try from.pack(tips: [commit], haves: target.refs.map(\.id).filter { from.contains($0) })
                    try storage.write(entry.repo, writer: replica, token: writeToken, now: now, "pr-objects-from-sync") { r in
                        _ = try r.receive(pack)
                    }
                }
                try storage.write(entry.repo, writer: replica, token: writeToken, now: now, "pr-ref-from-sync") { r in
                    try r.setRef("refs/nostr/\(id)", commit)
                }
            } catch {
                trace("repo.write-failed", [("repo", entry.repo.description), ("error", "\(error)")])
                continue
            }
            purgatory.prs[id] = nil
            observe(.left(eventID: id, kind: e.kind, why: "released"))
            do { try serve(e, how: "released") } catch {
                purgatory.prs[id] = entry   // not stored: it keeps waiting
                throw error
            }
        }
    }

    // MARK: pull requests

    private func handlePR(_ conn: ConnectionID, _ e: NostrEvent, _ source: EventOrigin) throws {
        guard let commitHex = e.tagValue("c"), let commit = ObjectID(hex: commitHex) else {
            ok(conn, e, false, "invalid: pull request needs a c tag with the tip commit"); return
        }
        let repos = try e.tagValues("a").compactMap(ReplacementKey.init(coordinate:))
            .filter { $0.kind == Kinds.repoAnnouncement }
            .map { RepoKey(owner: $0.pubkey, d: $0.d) }
            .filter { try announcement($0) != nil }
            .sorted()
        guard let target = repos.first else {
            ok(conn, e, false, "invalid: pull request for a repository not hosted here"); return
        }
        if (try store.event(id: e.id)) != nil { ok(conn, e, true, "duplicate: already have this event"); return }
        if let entry = purgatory.prs[e.id] {
            if entry.event != nil { ok(conn, e, true, "duplicate: in purgatory"); return }
            // Git came first (placeholder).
            purgatory.prs[e.id] = nil
            // The placeholder stands for its ref only while the ref is there: deleting the
            // repository (its announcement deleted or expired) took it (generated seed 6442).
            let refThere = storage.repository(entry.repo)?.ref("refs/nostr/\(e.id)") == commit
            if entry.commit == commit, refThere {
                do { try serve(e, how: "released") } catch {
                    purgatory.prs[e.id] = entry   // the placeholder stays
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
                trace("pr.placeholder-mismatch", [("id", short(e.id)), ("had", entry.commit?.hex ?? "-"), ("wants", commitHex)])
            }
        }
        // Data already on a ref for this event?
        for key in repos where storage.repository(key)?.ref("refs/nostr/\(e.id)") == commit {
            try serve(e, how: "released")
            ok(conn, e, true, "")
            return
        }
        if source == .sync, purgatory.expired[e.id] != nil {
            ok(conn, e, false, "invalid: previously expired from purgatory without git data"); return
        }
        if config.faultPRsSkipPurgatory { try serve(e, how: "accepted"); ok(conn, e, true, ""); return }
        let deadline = now + config.purgatoryTTL
        purgatory.prs[e.id] = .init(event: e, repo: target, commit: commit, deadline: deadline)
        observe(.held(e, deadline: deadline))
        trace("purgatory.hold", [("id", short(e.id)), ("kind", String(e.kind))])
        // Its commit may be here already, in another repository of the identifier.
        if !deferRepositoryWrites { try settlePullRequests(target.d) }
        ok(conn, e, true, purgatory.prs[e.id] == nil ? "" : Self.purgatoryMessage)
    }

    // MARK: deletions and related events

    private func handleDeletion(_ conn: ConnectionID, _ e: NostrEvent) throws {
        let req = try? DeletionRequest(e)
        let ids = Set(req?.eventIDs ?? [])
        let coords = req?.coordinates ?? []
        var removed: [String] = []
        for d in purgatory.states.keys.sorted() {
            let before = purgatory.states[d]!
            let keep = before.filter { s in
                guard s.event.pubkey == e.pubkey else { return true }
                if ids.contains(s.event.id) { return false }
                return !coords.contains { $0.kind == s.event.kind && $0.pubkey == s.event.pubkey && $0.d == d && s.event.createdAt <= e.createdAt }
            }
            for s in before where !keep.contains(where: { $0.event.id == s.event.id }) { removed.append(s.event.id) }
            purgatory.states[d] = keep.isEmpty ? nil : keep
        }
        for id in purgatory.prs.keys.sorted() {
            if let ev = purgatory.prs[id]?.event, ev.pubkey == e.pubkey, ids.contains(id) {
                purgatory.prs[id] = nil; removed.append(id)
            }
        }
        for key in purgatory.announcements.keys.sorted() {
            let entry = purgatory.announcements[key]!
            let byID = ids.contains(entry.event.id)
            let byCoord = coords.contains { $0.kind == Kinds.repoAnnouncement && $0.pubkey == key.owner && $0.d == key.d && entry.event.createdAt <= e.createdAt }
            // Only its own author's: NIP-09.
            if decide(.deletionRemovesWaiting(deletion: e, waiting: entry.event, reference: key.owner == e.pubkey && (byID || byCoord))) {
                purgatory.announcements[key] = nil
                removed.append(entry.event.id)
                if deferRepositoryWrites { purgatory.repoDeletes.insert(key) }
                else if !entry.softExpired,
                        repositoryWrite(key, "delete", { try storage.delete(key, writer: replica, token: writeToken, now: now) }) {
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
            ok(conn, e, false, "error: \(error)"); return
        }
        // Deleting a served version can make the author's waiting one current again, with
        // its repository already holding served data (generated sync seed 1334).
        if !deferRepositoryWrites {
            for d in Set(purgatory.announcements.keys.filter { $0.owner == e.pubkey }.map(\.d)).sorted() { try settle(identifier: d) }
        }
        ok(conn, e, true, "")
    }

    /// R3: events that tag hosted repositories or stored events, or that a stored
    /// announcement, issue, patch or pull request tags, are accepted.
    private func handleRelated(_ conn: ConnectionID, _ e: NostrEvent) throws {
        var related = try tagsHostedEvent(e)
        if !related && !config.faultOneWayReferences { related = try taggedByHostedEvent(e) }
        guard related || config.acceptOrphans else {
            ok(conn, e, false, "blocked: event does not reference a repository hosted here"); return
        }
        if (try store.event(id: e.id)) != nil { ok(conn, e, true, "duplicate: already have this event"); return }
        if !config.faultForgetAcceptedEvents { try serve(e, how: "accepted") }
        ok(conn, e, true, "")
    }

    /// Tag names that relate one event to another (R3).
    private var relatingTags: (address: [String], id: [String]) {
        config.faultLowercaseTagsOnly ? (["a"], ["e"]) : (["a", "A"], ["e", "E", "q"])
    }

    /// Whether `e` tags an announcement hosted here or an event stored here.
    private func tagsHostedEvent(_ e: NostrEvent) throws -> Bool {
        let names = relatingTags
        for t in e.tags where t.count >= 2 {
            if names.address.contains(t[0]) || (t[0] == "q" && names.id.contains("q") && t[1].contains(":")) {
                if let c = ReplacementKey(coordinate: t[1]), c.kind == Kinds.repoAnnouncement,
                   try announcement(RepoKey(owner: c.pubkey, d: c.d)) != nil { return true }
            } else if names.id.contains(t[0]) {
                if (try store.event(id: t[1])) != nil { return true }
            }
        }
        return false
    }

    /// Kinds whose references make the referenced event welcome (R3, "tagged by").
    static let referencingKinds = [Kinds.repoAnnouncement, Kinds.patch, Kinds.pullRequest, Kinds.pullRequestUpdate,
                                   Kinds.issue]

    /// Whether a stored announcement, issue, patch or pull request tags `e` (by id, or by
    /// its address when `e` is addressable).
    private func taggedByHostedEvent(_ e: NostrEvent) throws -> Bool {
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

    // MARK: git smart HTTP

    /// `/<npub>/<d>.git` → repo key, when the path names a repo this service hosts
    /// (announcement served or in purgatory, repo present).
    /// The repository a git path names when this service hosts it (served, or waiting in
    /// purgatory and not soft-expired); nil otherwise.
    public func hostedRepository(path: String) throws -> RepoKey? { try hostedRepo(path) }

    func hostedRepo(_ path: String) throws -> RepoKey? {
        guard let key = parseRepoPath(path), storage.exists(key) else { return nil }
        if let p = purgatory.announcements[key] { return p.softExpired ? nil : key }
        return try announcement(key) == nil ? nil : key
    }

    static let capabilities = ["report-status", "delete-refs", "side-band-64k", "ofs-delta", "no-thin",
                               "allow-tip-sha1-in-want", "allow-reachable-sha1-in-want"]

    public static let corsHeaders = [("Access-Control-Allow-Origin", "*"),
                              ("Access-Control-Allow-Methods", "GET, POST"),
                              ("Access-Control-Allow-Headers", "Content-Type")]

    private func notFound(_ req: RequestID, _ path: String) {
        out.append(.reply(req, .httpError(status: 404, headers: Self.corsHeaders, message: "repository not found: \(path)")))
    }

    private func advertise(_ req: RequestID, _ path: String) throws {
        guard let key = try hostedRepo(path), let repo = storage.repository(key) else { notFound(req, path); return }
        let refs = repo.refs
        let head: String? = refs.contains { $0.name == repo.head } ? repo.head : nil
        var caps = Self.capabilities
        if config.faultNoSHA1InWant { caps.removeAll { $0.hasSuffix("-sha1-in-want") } }
        if let head { caps.append("symref=HEAD:\(head)") }
        out.append(.reply(req, .advertisement(Advertisement(refs: refs, head: head, capabilities: caps))))
    }

    private func fetch(_ req: RequestID, _ path: String, _ wants: [ObjectID], _ haves: [ObjectID]) throws {
        guard let key = try hostedRepo(path), let repo = storage.repository(key) else { notFound(req, path); return }
        // allow-reachable-sha1-in-want: any object reachable from an advertised tip.
        let tips = repo.refs.map(\.id)
        for w in wants {
            let reachable: Bool
            do { reachable = try repo.contains(w) && tips.contains { try $0 == w || repo.isAncestor(w, of: $0) } } catch {
                out.append(.reply(req, .httpError(status: 500, headers: Self.corsHeaders, message: "upload-pack: \(error)")))
                return
            }
            guard reachable else {
                out.append(.reply(req, .httpError(status: 400, headers: Self.corsHeaders, message: "upload-pack: not our ref \(w.hex)")))
                return
            }
        }
        do { out.append(.reply(req, .pack(try repo.pack(tips: wants, haves: haves)))) }
        catch { out.append(.reply(req, .httpError(status: 500, headers: Self.corsHeaders, message: "upload-pack: \(error)"))) }
    }

    /// What authorization made of a push: per-ref errors (nil: accepted) and what may land.
    private struct PushDecision {
        var results: [String: String?] = [:]
        var acceptedNormal: [RefUpdate] = []
        var acceptedNostr: [RefUpdate] = []
        var authorizedBy: String? = nil
        var accepted: [RefUpdate] { acceptedNormal + acceptedNostr }
    }

    /// Late binding for the normal refs, the `refs/nostr/<id>` rules for the others.
    private func decidePush(_ key: RepoKey, _ repo: GitRepository, _ updates: [RefUpdate]) throws -> PushDecision {
        var d = PushDecision()
        let nostrUpdates = updates.filter { $0.name.hasPrefix("refs/nostr/") }
        let normal = updates.filter { !$0.name.hasPrefix("refs/nostr/") }
        if !normal.isEmpty {
            switch try authorize(key: key, repo: repo, updates: normal) {
            case .failure(let msg): for u in normal { d.results[u.name] = msg }
            case .success(let by):
                d.authorizedBy = by
                d.acceptedNormal = normal
            }
        }
        for u in nostrUpdates {
            let id = String(u.name.dropFirst("refs/nostr/".count))
            if !isEventID(id) {
                d.results[u.name] = "invalid nostr ref: \(u.name) must be refs/nostr/<64 hex event id>"; continue
            }
            if u.isDelete { d.results[u.name] = "deleting refs/nostr refs is not allowed"; continue }
            if let known = try knownPRCommit(id), known != u.new {
                d.results[u.name] = "rejected: event \(short(id)) names commit \(known.hex)"; continue
            }
            d.acceptedNostr.append(u)
        }
        return d
    }

    private func push(_ req: RequestID, _ path: String, _ updates: [RefUpdate], _ pack: Pack) throws {
        guard let key = try hostedRepo(path), let repo = storage.repository(key) else { notFound(req, path); return }
        var d = try decidePush(key, repo, updates)
        let toApply = d.accepted
        if !toApply.isEmpty {
            do {
                try storage.write(key, writer: replica, token: writeToken, now: now, "receive-pack") { r in
                    _ = try r.receive(pack)
                    let tips = toApply.filter { !$0.isDelete }.map(\.new)
                    let missing = r.missingObjects(reachableFrom: tips)
                    if !missing.isEmpty { throw PushError.missingObjects(missing.count) }
                    for u in toApply {
                        if u.isDelete { if r.ref(u.name) != nil { try r.deleteRef(u.name) } }
                        else if r.ref(u.name) != u.new { try r.setRef(u.name, u.new) }
                    }
                }
                for u in toApply { d.results[u.name] = .some(nil) }
            } catch {
                let msg = (error as? PushError)?.description ?? "error: \(error)"
                for u in toApply { d.results[u.name] = msg }
                d.acceptedNormal = []; d.acceptedNostr = []
                d.authorizedBy = nil
            }
        }
        try finishPush(req, key, repo, updates, d)
    }

    /// Pushes whose objects and refs the `git` programs write (a real server): the
    /// pre-receive hook asks here, with the objects still in git's quarantine, whether the
    /// updates may land. The hook refuses the whole push when any ref is refused; an
    /// accepted decision waits for `pushApplied`.
    private func pushProposed(_ req: RequestID, _ path: String, _ updates: [RefUpdate]) throws {
        guard let key = try hostedRepo(path), let repo = storage.repository(key) else { notFound(req, path); return }
        var d = try decidePush(key, repo, updates)
        if d.accepted.count == updates.count {
            proposedPushes[key] = d
            out.append(.reply(req, .pushResult(updates.map { RefResult(name: $0.name, error: nil) })))
            return
        }
        for u in d.accepted { d.results[u.name] = "not applied: another ref of this push was refused" }
        d.acceptedNormal = []; d.acceptedNostr = []; d.authorizedBy = nil
        try finishPush(req, key, repo, updates, d)
    }

    /// The post-receive hook: git applied `updates` (after `pushProposed` accepted them).
    private func pushApplied(_ req: RequestID, _ path: String, _ updates: [RefUpdate]) throws {
        guard let key = parseRepoPath(path), let repo = storage.repository(key) else { notFound(req, path); return }
        var d = proposedPushes.removeValue(forKey: key) ?? PushDecision()
        // Only what was proposed and accepted counts as authorized; anything else git
        // reports (no hook ran) is recorded as applied without authorization.
        let proposed = Set(d.accepted.map(\.name))
        for u in updates where !proposed.contains(u.name) {
            if u.name.hasPrefix("refs/nostr/") { d.acceptedNostr.append(u) } else { d.acceptedNormal.append(u) }
        }
        for u in updates { d.results[u.name] = .some(nil) }
        try finishPush(req, key, repo, updates, d)
    }

    /// Reports a decided push and runs what accepted refs cause: PR placeholders or
    /// releases, "git data became available", promotion of the announcement.
    private func finishPush(_ req: RequestID, _ key: RepoKey, _ repo: GitRepository, _ updates: [RefUpdate],
                            _ d: PushDecision) throws {
        let ordered = updates.map { RefResult(name: $0.name, error: d.results[$0.name] ?? "not processed") }
        observe(.push(repo: key, updates: updates, results: ordered, authorizedBy: d.authorizedBy))
        trace("git.push", [("repo", key.description), ("refs", updates.map(\.name).joined(separator: ",")),
                           ("result", ordered.allSatisfy(\.ok) ? "ok" : (ordered.first { !$0.ok }?.error ?? ""))])
        out.append(.reply(req, .pushResult(ordered)))
        if !d.accepted.isEmpty {
            observe(.refsChanged(repo: key, refs: repo.refs, head: repo.head, why: "push"))
        }
        for u in d.acceptedNostr { try prDataArrived(id: String(u.name.dropFirst("refs/nostr/".count)), repo: key, commit: u.new) }
        // Any accepted push may have brought objects a waiting state needs — a PR's
        // commits usually contain the base its state names (found by a swarm run).
        if !d.accepted.isEmpty { try settle(identifier: key.d) }
        // A push authorized by the served state brings the repository to it: its waiting
        // announcement leaves purgatory too (R8; generated seed 929).
        if !d.acceptedNormal.isEmpty, let by = d.authorizedBy, (try store.event(id: by)) != nil { try promote(key) }
    }

    enum PushError: Error, CustomStringConvertible {
        case missingObjects(Int)
        var description: String {
            switch self { case .missingObjects(let n): return "unpack error: \(n) objects missing" }
        }
    }

    private enum AuthResult { case success(String), failure(String) }

    /// LATE BINDING (SPEC §4): the refs after this push must EXACTLY equal a waiting (or
    /// served) state of an authorized author; the newest such state wins.
    private func authorize(key: RepoKey, repo: GitRepository, updates: [RefUpdate]) throws -> AuthResult {
        if config.faultAcceptUnauthorizedPush { return .success("unauthorized") }
        for u in updates {
            let current = repo.ref(u.name) ?? .zero
            if u.old != current && !(u.isNoOp && u.new == current) {
                return .failure("failed to update ref: stale info (expected \(u.old.hex.prefix(7)), have \(current.hex.prefix(7)))")
            }
        }
        let noOp = updates.allSatisfy(\.isNoOp)
        if noOp && !config.faultRejectNoOpPush { return .success("no-op") }
        var proposed: [String: ObjectID] = [:]
        for (n, id) in repo.refs where isHostedRef(n) { proposed[n] = id }
        for u in updates { proposed[u.name] = u.isDelete ? nil : u.new }
        let maint = try maintainers(of: key)
        // Only the newest served state speaks for the repository: an older one (another
        // maintainer's, superseded since) or a waiting state older than it would move the
        // repository back behind what readers are served.
        let newestServed = try latestServedState(for: key)
        var candidates: [NostrEvent] = []
        if !config.faultAuthorizeFromDatabaseOnly {
            candidates += (purgatory.states[key.d] ?? []).map(\.event).filter { s in
                maint.contains(s.pubkey) && !(newestServed.map { $0.id != s.id && newer($0, s) } ?? false)
            }
        }
        // §8.12's broken variant authorizes no-op pushes from purgatory alone: a state applied
        // between the client's fetch and its push is no longer there.
        let purgatoryOnly = noOp && config.faultRejectNoOpPush
        if !purgatoryOnly, let newestServed { candidates.append(newestServed) }
        if candidates.isEmpty { return .failure("authorisation failed: no state events in purgatory") }
        let matching = candidates.filter { s in
            let refs = stateRefs(s)
            return refs.count == proposed.count && refs.allSatisfy { proposed[$0.name] == $0.id }
        }
        guard let best = matching.sorted(by: { newer($0, $1) }).first else {
            return .failure("authorisation failed: pushed refs do not match any authorized state event")
        }
        return .success(best.id)
    }

    private func knownPRCommit(_ id: String) throws -> ObjectID? {
        if let e = purgatory.prs[id]?.event { return e.tagValue("c").flatMap(ObjectID.init(hex:)) }
        if let e = try store.event(id: id), e.kind == Kinds.pullRequest || e.kind == Kinds.pullRequestUpdate {
            return e.tagValue("c").flatMap(ObjectID.init(hex:))
        }
        return nil
    }

    private func prDataArrived(id: String, repo: RepoKey, commit: ObjectID) throws {
        if let entry = purgatory.prs[id], let e = entry.event {
            guard e.tagValue("c") == commit.hex, !config.faultKeepPRsWaiting else { return }
            purgatory.prs[id] = nil
            observe(.left(eventID: id, kind: e.kind, why: "released"))
            do { try serve(e, how: "released") } catch {
                purgatory.prs[id] = entry   // not stored: it keeps waiting
                throw error
            }
            return
        }
        if (try store.event(id: id)) != nil { return }
        // Git first: a placeholder waits for the event.
        purgatory.prs[id] = .init(event: nil, repo: repo, commit: commit, deadline: now + config.purgatoryTTL)
        observe(.placeholder(eventID: id, repo: repo, commit: commit))
        trace("purgatory.placeholder", [("id", short(id)), ("commit", commit.hex)])
    }

    // MARK: expiry

    private func sweep() {
        if config.faultNoExpiry { return }
        // The checker-validation variant that expires early looks two sweeps ahead.
        let now = config.faultExpireEarly ? self.now + 2 * config.sweepInterval : self.now
        for d in purgatory.states.keys.sorted() {
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
                if !decide(.dropExpiredPlaceholderRef(id: id, reference: true)) {}
                else if deferRepositoryWrites { purgatory.refDrops.insert(Purgatory.RefDrop(repo: entry.repo, id: id)) }
                else { dropPlaceholderRef(entry.repo, id) }
                observe(.left(eventID: id, kind: Kinds.pullRequest, why: "expired"))
            }
            trace("purgatory.expired", [("id", short(id)), ("kind", "pr")])
        }
        for key in purgatory.announcements.keys.sorted() {
            expireAnnouncement(key, deleteRepos: !deferRepositoryWrites)
        }
        for id in purgatory.expired.keys.sorted() where purgatory.expired[id]! <= now { purgatory.expired[id] = nil }
    }


    private func dropPlaceholderRef(_ repo: RepoKey, _ id: String) {
        repositoryWrite(repo, "drop-placeholder-ref") {
            try storage.write(repo, writer: replica, token: writeToken, now: now, "drop-placeholder-ref") { r in
                if r.ref("refs/nostr/\(id)") != nil { try r.deleteRef("refs/nostr/\(id)") }
            }
        }
    }

    /// Repository maintenance for one repo, run by the driver under that repo's lock:
    /// the sweep's repository writes, then applying waiting states whose data is present.
    private func maintain(_ key: RepoKey) throws {
        for p in purgatory.refDrops.filter({ $0.repo == key }).sorted() {
            dropPlaceholderRef(key, p.id)
            purgatory.refDrops.remove(p)
        }
        if purgatory.repoDeletes.remove(key) != nil, purgatory.announcements[key] == nil, try announcement(key) == nil {
            if repositoryWrite(key, "delete", { try storage.delete(key, writer: replica, token: writeToken, now: now) }) {
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
    public func defaultBranch(_ key: RepoKey) throws -> String? { try servedHead(key).head }

    /// Expiry of one purgatory announcement: soft-expired ones are forgotten after their
    /// retention; due ones get their repo deleted (only when `deleteRepos`, i.e. when this
    /// code runs where repository writes are allowed) and are marked soft-expired only if
    /// the deletion succeeded (§8.14), else retried next time.
    private func expireAnnouncement(_ key: RepoKey, deleteRepos: Bool = true) {
        var entry = purgatory.announcements[key]!
        if entry.softExpired {
            if let f = entry.forgetAt, f <= now {
                purgatory.announcements[key] = nil
                trace("purgatory.forgotten", [("repo", key.description)])
            }
            return
        }
        guard deleteRepos, entry.deadline <= now else { return }
        var deleted = false
        do {
            try storage.delete(key, writer: replica, token: writeToken, now: now)
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

    // MARK: NIP-11

    public func nip11Document() -> String {
        var s = "{\"name\":\(jsonString("GraspSim reference relay \(config.domain)"))"
        s += ",\"supported_nips\":[1,9,11,34]"
        s += ",\"supported_grasps\":[" + config.supportedGrasps.map(jsonString).joined(separator: ",") + "]"
        s += ",\"repo_acceptance_criteria\":\(jsonString(config.repoAcceptanceCriteria))"
        if let c = config.curation { s += ",\"curation\":\(jsonString(c))" }
        return s + "}"
    }
}

func short(_ id: String) -> String { String(id.prefix(8)) }

func isEventID(_ s: String) -> Bool {
    s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
}

extension Array {
    func partitioned(_ isFirst: (Element) -> Bool) -> ([Element], [Element]) {
        var a: [Element] = [], b: [Element] = []
        for x in self { if isFirst(x) { a.append(x) } else { b.append(x) } }
        return (a, b)
    }
}
