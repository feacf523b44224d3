import EventStore
import GitStore
import Nostr
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
    let box: PurgatoryBox
    public internal(set) var purgatory: Purgatory {
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
    var deferRepositoryWrites: Bool { config.deferRepositoryWrites }
    var subscriptions: [ConnectionID: [(id: String, filters: [Filter])]] = [:]
    var out: [RelayOutput] = []
    var now: LocalTime = 0
    /// The fencing token of the call being handled (its repository lock's grant).
    var writeToken: UInt64? = nil
    /// Pushes the git programs are applying: accepted by `pushProposed`, waiting for
    /// `pushApplied` (one per repository: a server runs one receive-pack per repository).
    var proposedPushes: [RepoKey: PushDecision] = [:]
    var servedHeadCache: [RepoKey: ServedHead] = [:]

    public init(
        config: RelayConfig, replica: String, store: EventStore, storage: RepositoryStorage,
        purgatory: PurgatoryBox = PurgatoryBox()
    ) {
        self.config = config
        self.replica = replica
        self.store = store
        self.storage = storage
        self.box = purgatory
        store.faultKeepFirstOnTie = config.faultKeepFirstOnTie
    }

    /// Unix seconds of `now` (for created_at comparisons).
    var unixNow: Int64 { config.epochUnix + now.sinceZero / Time.second }

    // MARK: entry point

    /// Handles one input. `writeToken` is the fencing token of the repository lock the
    /// driver holds for it (replicas: pushes, maintenance, arriving git data); every
    /// repository write the input causes carries it.
    public func handle(_ input: RelayInput, now: LocalTime, writeToken: UInt64? = nil) -> [RelayOutput] {
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
        case .gitPush(let req, let path, let updates, let pack):
            answering(req, "push") { try push(req, path, updates, pack) }
        case .gitFetch(let req, let path, let wants, let haves):
            answering(req, "fetch") { try fetch(req, path, wants, haves) }
        case .gitPushProposed(let req, let path, let updates):
            answering(req, "push") { try pushProposed(req, path, updates) }
        case .gitPushApplied(let req, let path, let updates):
            answering(req, "push") { try pushApplied(req, path, updates) }
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

    func storeFailed(_ what: String, _ error: Error) {
        observe(.storeFailed(input: what, error: "\(error)"))
        trace("store.failed", [("input", what), ("error", "\(error)")])
    }

    func answering(_ req: RequestID, _ what: String, _ body: () throws -> Void) {
        do { try body() } catch {
            storeFailed(what, error)
            let answered = out.contains { if case .reply(let r, _) = $0 { return r == req } else { return false } }
            if !answered {
                out.append(.reply(req, .httpError(status: 500, headers: Self.corsHeaders, message: "error: \(error)")))
            }
        }
    }

    func reporting(_ what: String, _ body: () throws -> Void) {
        do { try body() } catch { storeFailed(what, error) }
    }

    /// A repository write that storage may refuse (a stale fencing token, a deletion that
    /// fails): the refusal is observed and the caller learns whether the write happened.
    @discardableResult
    func repositoryWrite(_ repo: RepoKey, _ operation: String, _ body: () throws -> Void) -> Bool {
        do {
            try body()
            return true
        } catch {
            observe(.repoWriteRefused(repo: repo, operation: operation, error: "\(error)"))
            return false
        }
    }

    /// Graceful shutdown: the purgatory to persist. Subscriptions end.
    public func shutdown(now: LocalTime) -> PurgatorySnapshot {
        subscriptions.removeAll()
        return PurgatorySnapshot(purgatory, now: now)
    }

    /// Restart after a graceful shutdown: purgatory comes back with downtime subtracted.
    public func restore(_ snapshot: PurgatorySnapshot, now: LocalTime, downtime: SimDuration) {
        purgatory = snapshot.restore(now: now, downtime: downtime)
    }

    func trace(_ kind: String, _ fields: [(String, String)]) { out.append(.trace(kind, fields)) }
    func observe(_ o: Observation) { out.append(.observe(o)) }

    // MARK: NIP-01

    func handleClient(_ conn: ConnectionID, _ msg: ClientMessage, _ source: EventOrigin) {
        switch msg {
        case .event(let e):
            do { try handleEvent(conn, e, source) } catch {
                storeFailed("event \(short(e.id))", error)
                let answered = out.contains {
                    if case .send(_, .ok(e.id, _, _)) = $0 { return true } else { return false }
                }
                if !answered { ok(conn, e, false, "error: \(error)") }
            }
        case .req(let subID, let filters):
            let events: [NostrEvent]
            do { events = try store.query(filters) } catch {
                storeFailed("subscription \(subID)", error)
                out.append(.send(conn, .closed(subID: subID, message: "error: \(error)")))
                return
            }
            for e in config.faultOldestFirst ? events.reversed() : events {
                out.append(.send(conn, .event(subID: subID, e)))
            }
            if !config.faultNoEOSE { out.append(.send(conn, .eose(subID: subID))) }
            var subs = subscriptions[conn] ?? []
            subs.removeAll { $0.id == subID }
            subs.append((subID, filters))
            subscriptions[conn] = subs
        case .close(let subID):
            subscriptions[conn]?.removeAll { $0.id == subID }
        }
    }

    func ok(_ conn: ConnectionID, _ e: NostrEvent, _ accepted: Bool, _ message: String) {
        var message = message
        if config.faultUnprefixedMessages, !accepted, let colon = message.firstIndex(of: ":") {
            message = String(message[message.index(after: colon)...].drop { $0 == " " })
        }
        // Broken variant: the OK names an id one hex digit off the event's own.
        let named = config.faultOKNamesOtherEvent ? String(e.id.dropLast()) + (e.id.hasSuffix("0") ? "1" : "0") : e.id
        out.append(.send(conn, .ok(eventID: named, accepted: accepted, message: message)))
        observe(.acknowledged(eventID: e.id, accepted: accepted, message: message))
        trace(
            accepted ? "event.ok" : "event.rejected",
            [("id", short(e.id)), ("kind", String(e.kind)), ("msg", message)])
    }

    static let purgatoryMessage = "purgatory: won't be served until git data arrives"

    func handleEvent(_ conn: ConnectionID, _ e: NostrEvent, _ source: EventOrigin) throws {
        do { try e.validate() } catch {
            ok(conn, e, false, "invalid: \(error)")
            return
        }
        if e.kindClass == .ephemeral {
            ok(conn, e, true, "")
            return
        }
        // NIP-09: what its author deleted is not taken again — not even into purgatory,
        // where it could never be served (found by the relay model, generated seed 2442).
        if (try store.isDeleted(e)) == true {
            ok(conn, e, false, "blocked: deleted by its author")
            return
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
    func serve(_ e: NostrEvent, how: String) throws -> Bool {
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

    func broadcast(_ e: NostrEvent) {
        for conn in subscriptions.keys.sorted() {
            for sub in subscriptions[conn]! where sub.filters.matches(e) {
                out.append(.send(conn, .event(subID: sub.id, e)))
            }
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
        var a: [Element] = []
        var b: [Element] = []
        for x in self { if isFirst(x) { a.append(x) } else { b.append(x) } }
        return (a, b)
    }
}
