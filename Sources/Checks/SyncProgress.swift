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
    var homeless: Set<String> = []
    /// What the homeless judgement read when it last ran (store, storage and purgatory
    /// announcement revisions), and the waiting ids judged since: unchanged inputs give
    /// unchanged answers, so only new ids need judging.
    var homelessInputs: (store: Int, storage: Int, purgatory: Int)? = nil
    var judgedHome: Set<String> = []

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
        if case .left(let id, _, _) = obs { waiting[id] = nil }
        noteHomeless(w)
    }

    /// Marks waiting states and PRs that have no repository here to take their data now.
    private func noteHomeless(_ w: WorldView) {
        // Nothing waits: nothing to judge (the inputs are compared again when something does).
        if waiting.isEmpty { return }
        let inputs = (store: w.store.revision, storage: w.storage.revision, purgatory: w.purgatoryAnnouncementsRevision)
        if let last = homelessInputs, last != inputs {
            judgedHome.removeAll(keepingCapacity: true)
        }
        if homelessInputs.map({ $0 != inputs }) ?? true { homelessInputs = inputs }
        for (id, e) in waiting where !homeless.contains(id) && !judgedHome.contains(id) {
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
            if home { judgedHome.insert(id) } else { homeless.insert(id) }
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
