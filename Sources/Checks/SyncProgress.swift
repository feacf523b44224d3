import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel
import Sync

/// What the sync checks need from the world beyond `WorldView`.
public protocol SyncWorldView: WorldView {
    var syncConfig: SyncConfig { get }
    /// A sync fetch or reconcile request without an answer fails after this long.
    var remoteTimeout: SimDuration { get }
    /// What the remote on `domain` holds of `identifier` now (nil: no such remote or repo).
    func remoteRepository(domain: String, identifier: String) -> GitRepository?
    /// True when the remote on `domain` exists and answers normally throughout [from, to].
    func remoteHealthy(domain: String, from: SimTime, to: SimTime) -> Bool
    /// Every commit the scenario defines (to compute what an event needs).
    var scenarioObjects: GitRepository { get }
}

/// `throttle-bounds`, `backoff-schedule`, `fairness`, `data-found-means-released` and
/// `reconcile-outcome`: the sync family, judged at the end of the run from the sync
/// queue's own log of what it was told and did, the relay's purgatory entries and exits,
/// and the remotes' contents — with limits and delays from the configuration.
final class SyncProgress: InvariantFamily {
    static let invariants: Set<InvariantName> = [
        .throttleBounds, .backoffSchedule, .fairness, .dataFoundMeansReleased, .reconcileOutcome,
    ]
    static let observes: HistoryKinds = [.sync, .relay]

    /// Situations this family's judgements saw (coverage).
    var situations: Set<Situation> = []
    var entries: [(time: SimTime, replica: String, record: SyncRecord)] = []
    /// Held states and PRs: event, identifier, replica, time held.
    var held: [(time: SimTime, replica: String, event: NostrEvent)] = []
    /// Every time each entry left purgatory (an event can wait again after leaving: a replay).
    var left: [String: [(time: SimTime, why: String)]] = [:]
    /// Each announcement's clone URL domains while it was held or served (by event id):
    /// the relay hunts with the announcements it has at the time, so a server counts for
    /// a waiting event only if some announcement listed it for the event's whole window.
    var listings: [String: (d: String, domains: Set<String>, from: SimTime, until: SimTime?)] = [:]
    /// Held states and PRs not yet left, and those that at some moment while waiting had
    /// no repository here to go to (no authoritative repository, or the PR's repository
    /// absent): git data found elsewhere cannot release those, so they are not judged.
    var waiting: [String: NostrEvent] = [:]
    /// Ids that started waiting since the last homeless judgement: while its inputs stand,
    /// they are the only ones neither judged nor homeless.
    private var newlyWaiting: [String] = []
    var homeless: Set<String> = []
    /// The store's announcements revision, the storage's revision and purgatory's
    /// announcements revision when the homeless judgement last ran: while they stand, only
    /// events not judged yet need judging.
    var homelessInputs: (store: Int, storage: Int, purgatory: Int)? = nil
    /// Waiting events judged to have a home, with what that judgement read.
    var judged: [String: HomeInputs] = [:]
    var identifiers = IdentifierInputs()
    /// Test double: judge every waiting id on every pass, as if nothing were kept (a test
    /// compares the outcome with the kept judgements').
    var judgeEveryPass = false
    /// Events judged to have a home and later found homeless (a kept judgement that had to
    /// be dropped: the case a stale cache would miss).
    private(set) var homesLost = 0

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        switch entry.item {
        case .sync(let replica, let record): entries.append((entry.time, replica, record))
        case .relay(let replica, let obs): observeRelay(obs, replica, entry.time, w, violations)
        default: break
        }
    }

    private func observeRelay(
        _ obs: Observation, _ replica: String, _ t: SimTime, _ w: WorldView, _ violations: Violations
    ) {
        switch obs {
        case .held(let e, _):
            if e.kind == Kinds.repoAnnouncement { noteAnnouncement(e, t) }
            if e.kind == Kinds.repoState || e.kind == Kinds.pullRequest || e.kind == Kinds.pullRequestUpdate {
                held.append((t, replica, e))
                waiting[e.id] = e
                newlyWaiting.append(e.id)
            }
        case .served(let e, _):
            if e.kind == Kinds.repoAnnouncement { noteAnnouncement(e, t) }
        case .unserved(let ids, _):
            for id in ids { endListing(id, t) }
        case .left(let id, _, let why):
            left[id, default: []].append((t, why))
            if why != "released" { endListing(id, t) }
            // Never before its data is local.
            if why == "released", violations.selected.contains(.dataFoundMeansReleased),
                let h = held.last(where: { $0.event.id == id })?.event, let tips = Self.tips(h)
            {
                let d = Self.identifier(h) ?? ""
                let local = CheckSuite.owners(w, d).contains { o in
                    w.storage.repository(RepoKey(owner: o, d: d))?.isComplete(tips) == true
                }
                if !local {
                    violations.fail(
                        .dataFoundMeansReleased, t, replica,
                        "event \(id.prefix(8)) was released at \(Time.format(t)) while its objects were not in any repository of \(d)"
                    )
                }
            }
        default: break
        }
        if case .left(let id, _, _) = obs {
            waiting[id] = nil
            judged[id] = nil
        }
        noteHomeless(w)
    }

    /// Marks waiting states and PRs that have no repository here to take their data now.
    /// An event judged to have a home is judged again only when what its judgement read
    /// changed (`HomeInputs`): for a state, its identifier's announcements in the store and
    /// in purgatory and its identifier's repositories; for a PR, the storage.
    private func noteHomeless(_ w: WorldView) {
        // Nothing waits: nothing to judge (the inputs are compared again when something does).
        if waiting.isEmpty {
            newlyWaiting.removeAll(keepingCapacity: true)
            return
        }
        // Nothing any judgement reads changed: only events not judged yet need judging.
        let global = (
            store: w.store.revision(ofKind: Kinds.repoAnnouncement), storage: w.storage.revision,
            purgatory: w.purgatoryAnnouncementsRevision
        )
        let unchanged = homelessInputs.map { $0 == global } ?? false
        homelessInputs = global
        // Every pass leaves each waiting id judged or homeless, and a judged id is judged
        // again only when an input moved: with the inputs unchanged only the newly waiting
        // can need a judgement (the test double still walks them all).
        if unchanged, !judgeEveryPass {
            let fresh = newlyWaiting
            newlyWaiting.removeAll(keepingCapacity: true)
            for id in fresh { if let e = waiting[id] { judgeHome(id, e, global, w) } }
            return
        }
        newlyWaiting.removeAll(keepingCapacity: true)
        for (id, e) in waiting { judgeHome(id, e, global, w) }
    }

    /// Judges one waiting event's home unless it is homeless already or its last judgement
    /// read what stands now.
    private func judgeHome(
        _ id: String, _ e: NostrEvent, _ global: (store: Int, storage: Int, purgatory: Int), _ w: WorldView
    ) {
        if homeless.contains(id) { return }
        let inputs: HomeInputs
        if e.kind == Kinds.repoState {
            identifiers.update(w, storage: global.storage, purgatory: global.purgatory)
            inputs = .state(
                announcements: w.store.revision(ofKind: Kinds.repoAnnouncement, d: e.dTag),
                repositories: identifiers.repositories[e.dTag] ?? [],
                waitingAnnouncements: identifiers.waiting[e.dTag] ?? [])
        } else {
            inputs = .pullRequest(storage: global.storage)
        }
        if !judgeEveryPass, judged[id] == inputs { return }
        let home: Bool
        if e.kind == Kinds.repoState {
            home = CheckSuite.owners(w, e.dTag).contains { o in
                let key = RepoKey(owner: o, d: e.dTag)
                return w.storage.exists(key) && CheckSuite.maintainers(w, key).contains(e.pubkey)
            }
        } else {
            home = e.tagValues("a").compactMap(ReplacementKey.init(coordinate:))
                .contains {
                    $0.kind == Kinds.repoAnnouncement && w.storage.exists(RepoKey(owner: $0.pubkey, d: $0.d))
                }
        }
        if home {
            judged[id] = inputs
        } else {
            if judged[id] != nil { homesLost += 1 }
            homeless.insert(id)
            judged[id] = nil
        }
    }

    /// What a homeless judgement of one event read.
    enum HomeInputs: Equatable {
        /// A state: the store's announcements revision for its identifier, the owners with a
        /// repository of it here, and its announcements waiting in purgatory.
        case state(announcements: Int, repositories: [String], waitingAnnouncements: [WaitingAnnouncement])
        /// A PR: which repositories exist (the storage's revision).
        case pullRequest(storage: Int)
    }

    struct WaitingAnnouncement: Equatable {
        var owner: String
        var replica: String
        var eventID: String
    }

    /// Per identifier, the owners with a repository here and the announcements waiting in
    /// purgatory: each read again only when the storage's, or purgatory's, revision moved.
    struct IdentifierInputs {
        private(set) var repositories: [String: [String]] = [:]
        private(set) var waiting: [String: [WaitingAnnouncement]] = [:]
        private var storageRevision: Int?
        private var purgatoryRevision: Int?

        mutating func update(_ w: WorldView, storage: Int, purgatory: Int) {
            if storageRevision != storage {
                storageRevision = storage
                repositories.removeAll(keepingCapacity: true)
                for k in w.storage.keys { repositories[k.d, default: []].append(k.owner) }
            }
            if purgatoryRevision != purgatory {
                purgatoryRevision = purgatory
                waiting.removeAll(keepingCapacity: true)
                for (replica, p) in w.purgatories {
                    for (k, entry) in p.announcements {
                        waiting[k.d, default: []].append(
                            WaitingAnnouncement(owner: k.owner, replica: replica, eventID: entry.event.id))
                    }
                }
                for (d, list) in waiting where list.count > 1 {
                    waiting[d] = list.sorted { ($0.owner, $0.replica) < ($1.owner, $1.replica) }
                }
            }
        }
    }

    static func identifier(_ e: NostrEvent) -> String? {
        if e.kind == Kinds.repoState { return e.dTag }
        return e.tagValues("a").lazy.compactMap(repoIdentifier(inCoordinate:)).first
    }

    /// The objects a held state or PR needs: its ref targets, or its tip commit.
    static func tips(_ e: NostrEvent) -> [ObjectID]? {
        if e.kind == Kinds.repoState { return Array(CheckSuite.refs(e).values).sorted() }
        return e.tagValue("c").flatMap(ObjectID.init(hex:)).map { [$0] }
    }

    // MARK: end of run

    func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations) {
        guard let sw = w as? SyncWorldView else { return }
        let log = entries
        guard !log.isEmpty else { return }
        let replicas = Set(log.map(\.replica)).sorted()
        for r in replicas {
            let mine = log.filter { $0.replica == r }
            if violations.selected.contains(.throttleBounds) { throttleBounds(mine, r, sw, violations) }
            if violations.selected.contains(.backoffSchedule) { backoffSchedule(mine, r, sw, violations) }
            if violations.selected.contains(.fairness) { fairness(mine, r, sw, violations) }
        }
        if violations.selected.contains(.dataFoundMeansReleased) { dataFoundMeansReleased(sw, violations) }
        if violations.selected.contains(.reconcileOutcome) { reconcileOutcome(sw, violations) }
    }

    func noteAnnouncement(_ e: NostrEvent, _ t: SimTime) {
        if let open = listings[e.id], open.until == nil { return }
        listings[e.id] = (e.dTag, Set(e.allTagValues("clone").map(CloneSource.domain(ofURL:))), t, nil)
    }

    func endListing(_ id: String, _ t: SimTime) {
        if listings[id] != nil, listings[id]!.until == nil { listings[id]!.until = t }
    }

    /// Domains some announcement of `d` listed throughout [from, to].
    func listedDomains(_ d: String, from: SimTime, to: SimTime) -> Set<String> {
        var out = Set<String>()
        for l in listings.values where l.d == d && l.from <= from && (l.until.map { $0 >= to } ?? true) {
            out.formUnion(l.domains)
        }
        return out
    }
}
