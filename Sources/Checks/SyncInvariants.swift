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

/// The sync family's checks, over the run's sync history (evaluated at the end).
final class SyncChecks {
    var entries: [(time: SimTime, replica: String, record: SyncRecord)] = []
    /// Held states and PRs: event, identifier, replica, time held.
    var held: [(time: SimTime, replica: String, event: NostrEvent)] = []
    /// Every time each entry left purgatory (an event can wait again after leaving: a replay).
    var left: [String: [(time: SimTime, why: String)]] = [:]
    /// Each announcement's clone URL domains while it was held or served (by event id):
    /// the relay hunts with the announcements it has at the time, so a server counts for
    /// a waiting event only if some announcement listed it for the event's whole window.
    var listings: [String: (d: String, domains: Set<String>, from: SimTime, until: SimTime?)] = [:]
    /// Repositories a reconciliation has touched: their refs follow the upstream.
    var mirrors: Set<RepoKey> = []
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

extension CheckSuite {
    // MARK: live

    func observeSync(_ record: SyncRecord, _ replica: String, _ t: SimTime) {
        syncChecks.entries.append((t, replica, record))
        if case .reconciled(let r) = record { syncChecks.mirrors.insert(r.repo) }
    }

    func observeSyncRelay(_ obs: Observation, _ replica: String, _ t: SimTime, _ w: WorldView) {
        switch obs {
        case .held(let e, _):
            if e.kind == Kinds.repoAnnouncement { syncChecks.noteAnnouncement(e, t) }
            if e.kind == Kinds.repoState || e.kind == Kinds.pullRequest || e.kind == Kinds.pullRequestUpdate {
                syncChecks.held.append((t, replica, e))
                syncChecks.waiting[e.id] = e
            }
        case .served(let e, _):
            if e.kind == Kinds.repoAnnouncement { syncChecks.noteAnnouncement(e, t) }
        case .unserved(let ids, _):
            for id in ids { syncChecks.endListing(id, t) }
        case .left(let id, _, let why):
            syncChecks.left[id, default: []].append((t, why))
            if why != "released" { syncChecks.endListing(id, t) }
            // Never before its data is local.
            if why == "released", on(.dataFoundMeansReleased),
                let h = syncChecks.held.last(where: { $0.event.id == id })?.event, let tips = Self.syncTips(h)
            {
                let d = Self.syncIdentifier(h) ?? ""
                let local = Self.owners(w, d).contains { o in
                    w.storage.repository(RepoKey(owner: o, d: d))?.isComplete(tips) == true
                }
                if !local {
                    fail(
                        .dataFoundMeansReleased, t, replica,
                        "event \(id.prefix(8)) was released at \(Time.format(t)) while its objects were not in any repository of \(d)"
                    )
                }
            }
        case .refsChanged(let repo, _, _, let why) where why == "reconcile":
            syncChecks.mirrors.insert(repo)
        default: break
        }
        if case .left(let id, _, _) = obs { syncChecks.waiting[id] = nil }
        noteHomeless(w)
    }

    /// Marks waiting states and PRs that have no repository here to take their data now.
    private func noteHomeless(_ w: WorldView) {
        let inputs = (store: w.store.revision, storage: w.storage.revision, purgatory: w.purgatoryAnnouncementsRevision)
        if let last = syncChecks.homelessInputs, last != inputs {
            syncChecks.judgedHome.removeAll(keepingCapacity: true)
        }
        if syncChecks.homelessInputs.map({ $0 != inputs }) ?? true { syncChecks.homelessInputs = inputs }
        for (id, e) in syncChecks.waiting where !syncChecks.homeless.contains(id) && !syncChecks.judgedHome.contains(id)
        {
            let home: Bool
            if e.kind == Kinds.repoState {
                home = Self.owners(w, e.dTag).contains { o in
                    let key = RepoKey(owner: o, d: e.dTag)
                    return w.storage.exists(key) && Self.maintainers(w, key).contains(e.pubkey)
                }
            } else {
                home = e.tagValues("a").compactMap(ReplacementKey.init(coordinate:))
                    .contains {
                        $0.kind == Kinds.repoAnnouncement && w.storage.exists(RepoKey(owner: $0.pubkey, d: $0.d))
                    }
            }
            if home { syncChecks.judgedHome.insert(id) } else { syncChecks.homeless.insert(id) }
        }
    }

    static func syncIdentifier(_ e: NostrEvent) -> String? {
        if e.kind == Kinds.repoState { return e.dTag }
        return e.tagValues("a").lazy.compactMap(repoIdentifier(inCoordinate:)).first
    }

    /// The objects a held state or PR needs: its ref targets, or its tip commit.
    static func syncTips(_ e: NostrEvent) -> [ObjectID]? {
        if e.kind == Kinds.repoState { return Array(refs(e).values).sorted() }
        return e.tagValue("c").flatMap(ObjectID.init(hex:)).map { [$0] }
    }

    // MARK: end of run

    func finishSync(_ w: WorldView) {
        guard let sw = w as? SyncWorldView else { return }
        let log = syncChecks.entries
        guard !log.isEmpty else { return }
        let replicas = Set(log.map(\.replica)).sorted()
        for r in replicas {
            let mine = log.filter { $0.replica == r }
            if on(.throttleBounds) { throttleBounds(mine, r, sw) }
            if on(.backoffSchedule) { backoffSchedule(mine, r, sw) }
            if on(.fairness) { fairness(mine, r, sw) }
        }
        if on(.dataFoundMeansReleased) { dataFoundMeansReleased(sw) }
        if on(.reconcileOutcome) { reconcileOutcome(sw) }
    }

    /// Splits a replica's log at process resets (a restarted process starts afresh).
    private func lives(_ log: [(time: SimTime, replica: String, record: SyncRecord)]) -> [[(
        time: SimTime, record: SyncRecord
    )]] {
        var out: [[(time: SimTime, record: SyncRecord)]] = [[]]
        for e in log {
            if case .reset = e.record {
                out.append([])
                continue
            }
            out[out.count - 1].append((e.time, e.record))
        }
        return out
    }

    private func throttleBounds(
        _ log: [(time: SimTime, replica: String, record: SyncRecord)], _ replica: String, _ w: SyncWorldView
    ) {
        let c = w.syncConfig.domainConcurrency
        let rate = w.syncConfig.domainRate
        let window = w.syncConfig.rateWindow
        for life in lives(log) {
            var inFlight: [String: Set<UInt64>] = [:]
            var starts: [String: [SimTime]] = [:]
            for (t, rec) in life {
                switch rec {
                case .fetchStarted(let request, let identifier, let domain):
                    inFlight[domain, default: []].insert(request)
                    if inFlight[domain]!.count > c {
                        fail(
                            .throttleBounds, t, replica,
                            "\(inFlight[domain]!.count) fetches in flight to \(domain) after starting one for \(identifier) at \(Time.format(t)); the limit is \(c)"
                        )
                    }
                    var s = starts[domain, default: []]
                    s.append(t)
                    s.removeAll { $0 <= t - window }
                    starts[domain] = s
                    if s.count > rate {
                        fail(
                            .throttleBounds, t, replica,
                            "\(s.count) fetches to \(domain) started in the \(Time.format(window)) before \(Time.format(t)) (first at \(Time.format(s[0]))); the limit is \(rate) per sliding window"
                        )
                    }
                case .fetchEnded(let request, _, let domain, _, _):
                    inFlight[domain]?.remove(request)
                default: break
                }
            }
        }
    }

    /// The wait after `failedAttempts` attempts since the last fresh start, by this check's
    /// own arithmetic (never the queue's): min(base · 2ⁿ, cap), saturating.
    public static func expectedBackoff(base: SimDuration, cap: SimDuration, failedAttempts n: Int) -> SimDuration {
        guard n < 62 else { return cap }
        let (d, overflow) = base.multipliedReportingOverflow(by: Int64(1) << Int64(n))
        return overflow ? cap : min(d, cap)
    }

    /// Recomputes each identifier's schedule from the events the queue was told about and
    /// the ends of its attempts, and compares the attempt start times.
    private func backoffSchedule(
        _ log: [(time: SimTime, replica: String, record: SyncRecord)], _ replica: String, _ w: SyncWorldView
    ) {
        let cfg = w.syncConfig
        // A driver wakes at the due time; allow one tick of lateness (plus any pause).
        struct Hunt {
            var attempt = 0
            var due: SimTime
            var eventDue: SimTime?
            var running = false
            var lastEvent: SimTime
        }
        for life in lives(log) {
            var hunts: [String: Hunt] = [:]
            var expired: Set<String> = []
            var answered: Set<String> = []
            var attemptsAtCap: [String: Int] = [:]
            for (t, rec) in life {
                switch rec {
                case .waiting(let id, let origin):
                    let due = t + (origin == .user ? cfg.userDelay : cfg.syncedDelay)
                    if origin == .sync && expired.contains(id) { continue }
                    if var h = hunts[id] {
                        h.attempt = 0
                        h.lastEvent = t
                        if h.running { h.eventDue = min(h.eventDue ?? due, due) } else { h.due = min(h.due, due) }
                        hunts[id] = h
                    } else {
                        if origin == .user { expired.remove(id) }
                        hunts[id] = Hunt(due: due, lastEvent: t)
                    }
                case .attemptStarted(let id, let attempt, _):
                    guard var h = hunts[id] else {
                        fail(
                            .backoffSchedule, t, replica,
                            "attempt for \(id) at \(Time.format(t)) with no event waiting (expired identifiers are not hunted again on synced events)"
                        )
                        continue
                    }
                    if h.running { continue }
                    let late = cfg.tick + w.unavailable(replica: replica, from: h.due, to: t)
                    if t < h.due {
                        fail(
                            .backoffSchedule, t, replica,
                            "attempt \(attempt) for \(id) started at \(Time.format(t)), before it was due at \(Time.format(h.due))"
                        )
                    } else if t > h.due + late {
                        fail(
                            .backoffSchedule, t, replica,
                            "attempt \(attempt) for \(id) started at \(Time.format(t)), but was due at \(Time.format(h.due)) (attempt count \(h.attempt) since its last event)"
                        )
                    }
                    h.running = true
                    hunts[id] = h
                case .attemptEnded(let id, _):
                    guard var h = hunts[id], h.running else { continue }
                    // Coverage: a server answered (without the data) and the wait is at its cap.
                    if answered.contains(id),
                        Self.expectedBackoff(base: cfg.backoffBase, cap: cfg.backoffCap, failedAttempts: h.attempt)
                            == cfg.backoffCap
                    {
                        attemptsAtCap[id, default: 0] += 1
                        if attemptsAtCap[id]! >= 2 { situations.insert(.backoffHeldAtCap) }
                    }
                    answered.remove(id)
                    var next =
                        t + Self.expectedBackoff(base: cfg.backoffBase, cap: cfg.backoffCap, failedAttempts: h.attempt)
                    if let e = h.eventDue, e < next { next = max(e, t) }
                    h.attempt += 1
                    h.due = next
                    h.eventDue = nil
                    h.running = false
                    hunts[id] = h
                case .fetchEnded(_, let id, _, let outcome, _):
                    if outcome == .nothingNew || outcome == .partial { answered.insert(id) }
                case .huntEnded(let id, let why):
                    hunts[id] = nil
                    if why == "expired" { expired.insert(id) }
                default: break
                }
            }
        }
    }

    /// Round-robin: a job queued behind Q-1 other identifiers starts before more than Q-1
    /// starts of others on that domain, and within ⌈Q/c⌉ fetch timeouts plus ⌈Q/r⌉ windows.
    private func fairness(
        _ log: [(time: SimTime, replica: String, record: SyncRecord)], _ replica: String, _ w: SyncWorldView
    ) {
        let cfg = w.syncConfig
        // `position`: the job's place among its identifier's jobs on the domain (an attempt
        // can list several URLs on one domain); round-robin lets each other identifier go
        // once per round, so a job at place p can be overtaken (others - 1)·p times.
        // `peers`: the most identifiers queued on the domain while it waited.
        struct Job {
            var identifier: String
            var queuedAt: SimTime
            var queueLength: Int
            var position: Int
            var peers: Int
            var overtaken = 0
        }
        for life in lives(log) {
            var queues: [String: [Job]] = [:]  // domain → jobs not yet started, in queue order
            for (t, rec) in life {
                switch rec {
                case .attemptStarted(let id, _, let domains):
                    for d in domains {
                        var q = queues[d, default: []]
                        let ids = Set(q.map(\.identifier)).union([id])
                        let place = q.filter { $0.identifier == id }.count + 1
                        q.append(
                            Job(identifier: id, queuedAt: t, queueLength: ids.count, position: place, peers: ids.count))
                        for k in q.indices { q[k].peers = max(q[k].peers, ids.count) }
                        queues[d] = q
                    }
                case .fetchStarted(_, let id, let domain):
                    guard var q = queues[domain], let i = q.firstIndex(where: { $0.identifier == id }) else { continue }
                    let job = q.remove(at: i)
                    for k in q.indices where q[k].identifier != id && q[k].queuedAt <= t { q[k].overtaken += 1 }
                    queues[domain] = q
                    let n = job.queueLength
                    // Identifiers that joined after this job may take their turns too.
                    let allowed = (job.peers - 1) * job.position
                    if job.overtaken > allowed {
                        fail(
                            .fairness, t, replica,
                            "a fetch for \(id) on \(domain), queued at \(Time.format(job.queuedAt)) behind \(n - 1) other identifiers (place \(job.position) among its own), started only after \(job.overtaken) fetches of others"
                        )
                    }
                    let concurrencyRounds = Int64((n + cfg.domainConcurrency - 1) / cfg.domainConcurrency)
                    let rateWindows = Int64((n + cfg.domainRate - 1) / cfg.domainRate)
                    let bound =
                        concurrencyRounds * w.remoteTimeout + rateWindows * cfg.rateWindow + cfg.tick
                        + w.unavailable(replica: replica, from: job.queuedAt, to: t)
                    if t - job.queuedAt > bound {
                        fail(
                            .fairness, t, replica,
                            "a fetch for \(id) on \(domain) waited \(Time.format(t - job.queuedAt)) in a queue of \(n); the bound is \(Time.format(bound))"
                        )
                    }
                case .huntEnded(let id, _):
                    for d in queues.keys { queues[d]!.removeAll { $0.identifier == id } }
                case .domainBlocked(let domain, _):
                    queues[domain] = []
                default: break
                }
            }
        }
    }

    /// Every held state or PR whose objects are all on remotes listed for its identifier,
    /// healthy for the whole window and never blocked, is released within
    /// delay + a running attempt's fetch + the throttle wait + one fetch + a tick.
    private func dataFoundMeansReleased(_ w: SyncWorldView) {
        let cfg = w.syncConfig
        let log = syncChecks.entries
        var hunted: [String: Set<String>] = [:]  // replica → identifiers hunted
        var blocked: [String: [(domain: String, from: SimTime)]] = [:]
        var origins: [String: [(SimTime, EventOrigin)]] = [:]
        for e in log {
            switch e.record {
            case .waiting(let id, let origin):
                hunted[e.replica, default: []].insert(id)
                origins[id, default: []].append((e.time, origin))
            case .domainBlocked(let d, _): blocked[e.replica, default: []].append((d, e.time))
            default: break
            }
        }
        var seen = Set<String>()
        for h in syncChecks.held {
            guard seen.insert(h.event.id).inserted, !syncChecks.homeless.contains(h.event.id),
                let d = Self.syncIdentifier(h.event), let tips = Self.syncTips(h.event), !tips.isEmpty
            else { continue }
            // The queue was told at hold time, with this origin.
            guard let origin = origins[d]?.last(where: { $0.0 == h.time })?.1 else { continue }
            let delay = origin == .user ? cfg.userDelay : cfg.syncedDelay
            let q = max(1, hunted[h.replica]?.count ?? 1)
            let throttle =
                Int64((q + cfg.domainConcurrency - 1) / cfg.domainConcurrency) * w.remoteTimeout
                + Int64((q + cfg.domainRate - 1) / cfg.domainRate) * cfg.rateWindow
            let bound = h.time + delay + 2 * w.remoteTimeout + throttle + 2 * cfg.tick
            var domains = syncChecks.listedDomains(d, from: h.time, to: bound)
            if h.event.kind != Kinds.repoState {
                for url in h.event.allTagValues("clone") { domains.insert(CloneSource.domain(ofURL: url)) }
            }
            let healthy = domains.sorted().filter { dom in
                w.remoteHealthy(domain: dom, from: h.time, to: bound)
                    && !(blocked[h.replica] ?? []).contains { $0.domain == dom }
            }
            guard !healthy.isEmpty, let union = try? GitRepository.inMemory() else { continue }
            for dom in healthy {
                guard let r = w.remoteRepository(domain: dom, identifier: d), let ids = try? r.allObjectIDs() else {
                    continue
                }
                _ = try? union.receive(Pack(objects: ids.compactMap { try? r.read($0) }))
            }
            guard union.isComplete(tips) else { continue }
            // The exit of this wait (not of a later one: a replay can make it wait again).
            let out = syncChecks.left[h.event.id]?.first { $0.time >= h.time }
            let deadline = bound + w.unavailable(replica: h.replica, from: h.time, to: bound)
            if let out, out.time <= deadline { continue }
            if out == nil && w.now <= deadline { continue }
            let what = out.map { "it left by \($0.why) at \(Time.format($0.time))" } ?? "it is still waiting"
            fail(
                .dataFoundMeansReleased, out?.time ?? w.now, h.replica,
                "event \(h.event.id.prefix(8)) of \(d), held at \(Time.format(h.time)), has all its objects on \(healthy.joined(separator: ", ")) but was not released by \(Time.format(deadline)); \(what)"
            )
        }
    }

    /// The outcome each reconciliation reported, against the local and remote branches
    /// it actually started from; and no local commit lost.
    private func reconcileOutcome(_ w: SyncWorldView) {
        for e in syncChecks.entries {
            guard case .reconciled(let r) = e.record else { continue }
            let objects = w.scenarioObjects
            let local = w.storage.repository(r.repo)
            func ancestor(_ a: ObjectID, _ b: ObjectID) -> Bool {
                for repo in [local, objects].compactMap({ $0 }) where repo.contains(a) && repo.contains(b) {
                    if let yes = try? repo.isAncestor(a, of: b) { return yes }
                }
                return false
            }
            var expected: [ReconcileOutcome]
            if !r.remoteAnswered {
                expected = [.fetchFailed]
            } else {
                switch (r.localBefore, r.remoteBefore) {
                case (nil, nil): expected = [.inSync, .fetchFailed]
                case (nil, _): expected = [.fastForwarded]
                case (_, nil): expected = [.fetchFailed, .pushedAhead]
                case (let l?, let rm?):
                    if l == rm {
                        expected = [.inSync]
                    } else if ancestor(l, rm) {
                        expected = [.fastForwarded]
                    } else if ancestor(rm, l) {
                        expected = [.pushedAhead]
                    } else {
                        expected = [.rebased, .conflictEscaped]
                    }
                }
            }
            if !expected.contains(r.outcome) {
                fail(
                    .reconcileOutcome, e.time, e.replica,
                    "reconciling \(r.repo) (local \(short(r.localBefore)), upstream \(short(r.remoteBefore))) reported \(r.outcome.rawValue); the histories call for \(expected.map(\.rawValue).joined(separator: " or "))"
                )
                continue
            }
            if r.outcome == .conflictEscaped && r.conflictBranch.map({ Reconciler.isConflictBranchName($0) }) != true {
                fail(
                    .reconcileOutcome, e.time, e.replica,
                    "conflict escape of \(r.repo) used branch '\(r.conflictBranch ?? "-")', not conflicts/YYYY-MM-DDTHH-MM-SSZ"
                )
            }
            guard let before = r.localBefore, let local else { continue }
            let remote = w.remoteRepository(domain: r.domain, identifier: r.repo.d)
            if !Reconciler.noLocalCommitLost(before: before, local: local, remote: remote, branch: r.branch) {
                fail(
                    .reconcileOutcome, e.time, e.replica,
                    "reconciling \(r.repo) (\(r.outcome.rawValue)) lost local commits of \(short(before)): they are neither on the local branch, nor on the upstream branch or a conflicts/ branch"
                )
            }
        }
    }

    private func short(_ id: ObjectID?) -> String { id.map { String($0.hex.prefix(7)) } ?? "none" }
}
