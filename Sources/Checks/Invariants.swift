import Coordination
import EventStore
import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel

/// Runs the selected invariants over one run, live and at the end.
public final class CheckSuite {
    public private(set) var violations: [Violation] = []
    public let selected: Set<InvariantName>
    /// Keep reports readable: past this, further violations are counted, not kept.
    public var maxViolations = 20
    public private(set) var suppressed = 0

    /// Each waiting entry's deadline as this check computes it: one purgatory ttl after
    /// the entry was made, and for an announcement after the last state that extended it
    /// (SPEC §4) — never the deadline the relay reports.
    var deadlines: [String: (deadline: SimTime, replica: String, since: SimTime)] = [:]
    private var heldAnnouncements: [String: RepoKey] = [:]
    /// The announcement waiting in purgatory for each repository, and the states waiting.
    var waitingAnnouncement: [RepoKey: String] = [:]
    var waitingStates: [String: SimTime] = [:]
    /// For each repository, the newest state that was authoritative for it when served.
    var appliedStates: [RepoKey: NostrEvent] = [:]
    /// Every event a client sent, by id (to know what an acknowledgement was for).
    var sentEvents: [String: NostrEvent] = [:]
    /// Situations this run created (see `Situation`).
    public internal(set) var situations: Set<Situation> = []
    /// The newest version sent of each replaceable event; placeholders; expired ones.
    var versionsSent: [ReplacementKey: NostrEvent] = [:]
    var placeholderIDs: Set<String> = []
    var expiredPlaceholders: Set<String> = []
    func waitingAnnouncementID(_ key: RepoKey) -> String? { waitingAnnouncement[key] }
    func sentEventByID(_ id: String) -> NostrEvent? { sentEvents[id] }
    private var lastDeleteFailure: [RepoKey: SimTime] = [:]
    private var touched: Set<RepoKey> = []
    /// The most repositories storage has held at once (a maintenance pass visits each).
    var mostRepositories = 0
    /// The replicas' tenures and crashes, for the situations this run created.
    var tenures = TenureLog()
    private var touchedIdentifiers: Set<String> = []
    /// Faults as [start, end) (one-off faults have start == end).
    var faults = FaultSpans()
    /// Repositories a reconciliation has touched: their refs follow the upstream (SPEC §7).
    private var mirrors = MirrorLog()

    /// The families written as values whose invariants are selected.
    private var families: [any InvariantFamily] = []
    private lazy var violationSink = Violations(selected: selected) { [unowned self] in self.fail($0, $1, $2, $3) }

    public init(selected: [InvariantName]) {
        self.selected = selected.isEmpty ? Set(InvariantName.selectable) : Set(selected)
        families = Self.families().filter { !type(of: $0).invariants.isDisjoint(with: self.selected) }
    }

    func on(_ name: InvariantName) -> Bool { selected.contains(name) }

    public func fail(_ invariant: InvariantName, _ time: SimTime, _ node: String, _ message: String) {
        guard on(invariant) else { return }
        if violations.count >= maxViolations {
            suppressed += 1
            return
        }
        violations.append(Violation(invariant: invariant, time: time, node: node, message: message))
    }

    // MARK: live

    public func observe(_ entry: HistoryEntry, _ w: WorldView) {
        let t = entry.time
        mirrors.note(entry)
        switch entry.item {
        case .relay(let replica, let obs):
            observeRelay(obs, replica, t, w)
        case .published(_, _, let e, _):
            coverSent(e, w)
            sentEvents[e.id] = e
        case .replica:
            tenures.note(entry)
        case .fault(let text):
            faults.note(text, t)
        default: break
        }
        for family in families { family.observe(entry, w, violationSink) }
    }

    private func observeRelay(_ obs: Observation, _ replica: String, _ t: SimTime, _ w: WorldView) {
        switch obs {
        case .served(let e, _):
            checkServedHasData(e, replica, t, w)
            touchedIdentifiers.insert(e.dTag)
            if e.kind == Kinds.repoState {
                for owner in Self.owners(w, e.dTag) {
                    let key = RepoKey(owner: owner, d: e.dTag)
                    let maint = Self.maintainers(w, key)
                    guard maint.contains(e.pubkey) else { continue }
                    // A released state speaks for the repository when it is the newest served
                    // state of the *current* maintainers (an older one never moves it back;
                    // one whose author was dropped no longer counts: arrival seed 4131, sync
                    // seed 2790).
                    if Self.latestServedState(w, key)?.id == e.id { appliedStates[key] = e }
                }
            }
        case .held(let e, _):
            // A new entry waits one ttl (a PR event taking over its git-first placeholder
            // too); the relay re-reporting an announcement it extended is not taken as an
            // extension (`extendAnnouncements` decides those).
            if deadlines[e.id] == nil || e.kind != Kinds.repoAnnouncement {
                deadlines[e.id] = (t + w.config.purgatoryTTL, replica, t)
            }
            if e.kind == Kinds.repoAnnouncement {
                let key = RepoKey(owner: e.pubkey, d: e.dTag)
                heldAnnouncements[e.id] = key
                waitingAnnouncement[key] = e.id
            }
            if e.kind == Kinds.repoState, waitingStates[e.id] == nil {
                waitingStates[e.id] = t
                coverHeldState(e, w)
            }
        case .storeFailed:
            break  // StoreReadable
        case .repoWriteRefused: break  // single-writer reads storage's own record of each write
        case .left(let id, _, let why):
            if why == "expired", let d = deadlines[id] {
                if t < d.deadline {
                    fail(
                        .purgatoryExitTiming, t, replica,
                        "event \(id.prefix(8)) expired \(Time.format(d.deadline - t)) before its deadline \(Time.format(d.deadline))"
                    )
                }
                // A graceful restart keeps each entry's remaining time: downtime since the
                // entry was made moves its deadline.
                // Replicas delete an expired announcement's repository (and so mark it
                // expired) only in locked maintenance; states and PRs expire in the sweep.
                var slack =
                    w.config.sweepInterval + w.unavailable(replica: d.replica, from: d.since, to: t)
                    + (heldAnnouncements[id] != nil
                        ? Self.replicatedExpiryDelay(w, mostRepositories: mostRepositories) : 0)
                // An announcement whose repository could not be deleted stays until it can.
                if let key = heldAnnouncements[id], let failed = lastDeleteFailure[key], failed >= d.deadline {
                    slack += failed - d.deadline
                }
                if t > d.deadline + slack {
                    fail(
                        .purgatoryExitTiming, t, replica,
                        "event \(id.prefix(8)) expired \(Time.format(t - d.deadline)) after its deadline \(Time.format(d.deadline)) (allowed \(Time.format(slack)))"
                    )
                }
            }
            if why == "expired", let key = heldAnnouncements[id], w.storage.exists(key) {
                fail(
                    .purgatoryExitTiming, t, replica,
                    "announcement \(id.prefix(8)) soft-expired but its repository \(key) still exists")
            }
            if !["released", "expired", "deleted", "superseded", "replaced", "crash-lost"].contains(why) {
                fail(
                    .purgatoryExitTiming, t, replica,
                    "event \(id.prefix(8)) left purgatory for an unknown reason '\(why)'")
            }
            // The entry is gone: a later entry for the same id (a git-first placeholder
            // after a crash lost the event, say) has a deadline of its own.
            deadlines[id] = nil
            waitingStates[id] = nil
            if why == "expired", placeholderIDs.contains(id) { expiredPlaceholders.insert(id) }
            if let key = heldAnnouncements[id], waitingAnnouncement[key] == id { waitingAnnouncement[key] = nil }
        case .unserved(let ids, _):
            // A deleted (or replaced) state no longer speaks for any repository; until the
            // next one is served the repository keeps whatever refs it has.
            for (key, e) in appliedStates where ids.contains(e.id) { appliedStates[key] = nil }
        case .acknowledged(let id, let accepted, let message):
            // An event its author deleted is refused before anything else (NIP-09): it
            // extends nothing.
            if accepted || !message.hasPrefix("blocked:") { extendAnnouncements(forStateAnswered: id, t, w) }
        case .push(let repo, let updates, let results, _):
            if results.allSatisfy(\.ok) {
                notePushedState(repo, w)
            } else {
                checkLateBinding(repo, updates, results, replica, t, w)
            }
            touched.insert(repo)
        case .refsChanged(let repo, _, _, _):
            touched.insert(repo)
        case .repoDeleted:
            break
        case .repoDeleteFailed(let key):
            lastDeleteFailure[key] = t
        case .placeholder(let id, _, _):
            // Git first: the placeholder lives one purgatory ttl from now (SPEC §4).
            deadlines[id] = (t + w.config.purgatoryTTL, replica, t)
            placeholderIDs.insert(id)
        case .repoCreated:
            break
        }
    }

    private func checkServedHasData(_ e: NostrEvent, _ replica: String, _ t: SimTime, _ w: WorldView) {
        switch e.kind {
        case Kinds.repoState:
            let tips = Array(Self.refs(e).values)
            let ok = Self.owners(w, e.dTag).map { RepoKey(owner: $0, d: e.dTag) }
                .filter { Self.maintainers(w, $0).contains(e.pubkey) }
                .contains { w.storage.repository($0)?.isComplete(tips) == true }
            if !ok {
                fail(
                    .servedHasGitData, t, replica,
                    "state \(e.id.prefix(8)) (\(e.dTag)) served but no authoritative repository holds all its objects")
            }
        case Kinds.repoAnnouncement:
            guard Self.listsService(w, e) else { return }
            let key = RepoKey(owner: e.pubkey, d: e.dTag)
            guard let repo = w.storage.repository(key) else {
                fail(
                    .servedHasGitData, t, replica,
                    "announcement \(e.id.prefix(8)) (\(key)) served but its repository does not exist")
                return
            }
            let refs = Self.hostedRefs(repo)
            if refs.isEmpty || !repo.isComplete(Array(refs.values)) {
                fail(
                    .servedHasGitData, t, replica,
                    "announcement \(e.id.prefix(8)) (\(key)) served but its repository has no git data")
            }
        case Kinds.pullRequest, Kinds.pullRequestUpdate:
            guard let c = e.tagValue("c").flatMap(ObjectID.init(hex:)) else { return }
            let ok = w.storage.keys.contains { k in
                guard let r = w.storage.repository(k) else { return false }
                return r.ref("refs/nostr/\(e.id)") == c && r.isComplete([c])
            }
            if !ok {
                fail(
                    .servedHasGitData, t, replica,
                    "PR \(e.id.prefix(8)) served but no repository has refs/nostr/\(e.id.prefix(8)) at its commit")
            }
        default: break
        }
    }

    private func checkLateBinding(
        _ repo: RepoKey, _ updates: [RefUpdate], _ results: [RefResult], _ replica: String, _ t: SimTime, _ w: WorldView
    ) {
        let normal = updates.filter { !$0.name.hasPrefix("refs/nostr/") }
        guard !normal.isEmpty, let r = w.storage.repository(repo) else { return }
        let errors = results.filter { !$0.ok && !$0.name.hasPrefix("refs/nostr/") }.compactMap(\.error)
        // Not authorization decisions: races on old values, incomplete packs, and storage
        // refusing the write (e.g. a fencing token after a lock-service failover).
        if errors.contains(where: {
            $0.contains("stale info") || $0.hasPrefix("unpack error") || $0.hasPrefix("error:")
        }) {
            return
        }
        if normal.allSatisfy(\.isNoOp) {
            fail(.lateBinding, t, replica, "no-op push to \(repo) rejected: \(errors.first ?? "")")
            return
        }
        var proposed = Self.hostedRefs(r)
        for u in normal { proposed[u.name] = u.isDelete ? nil : u.new }
        let maint = Self.maintainers(w, repo)
        // A state older than the newest served one cannot take the repository back.
        let newest = Self.latestServedState(w, repo)
        for (_, p) in w.purgatories {
            for s in p.states[repo.d] ?? [] where maint.contains(s.event.pubkey) && Self.refs(s.event) == proposed {
                if let newest, newest.supersedes(s.event) { continue }
                fail(
                    .lateBinding, t, replica,
                    "push to \(repo) rejected (\(errors.first ?? "")) although state \(s.event.id.prefix(8)) waits in purgatory for exactly these refs"
                )
                return
            }
        }
    }

    /// After every relay input: state of the repos it touched.
    public func afterRelayStep(_ w: WorldView, replica: String) {
        let t = w.now
        for family in families { family.afterRelayStep(w, replica: replica, violationSink) }
        mostRepositories = max(mostRepositories, w.storage.count)
        var keys = touched
        for d in touchedIdentifiers { for o in Self.owners(w, d) { keys.insert(RepoKey(owner: o, d: d)) } }
        touched.removeAll(keepingCapacity: true)
        touchedIdentifiers.removeAll(keepingCapacity: true)
        guard !keys.isEmpty else { return }
        for key in keys.sorted() {
            guard let repo = w.storage.repository(key) else { continue }
            // The newest state that spoke for this repository when it was served: a later
            // change of maintainers does not rewrite a repository (no push, no state).
            let latest = appliedStates[key]
            // Served here: the owner's current announcement is served and lists this service
            // (a version hosted elsewhere, or a newer one still waiting, serves nothing here).
            let servedAnnouncement = try? w.store.latest(
                ReplacementKey(kind: Kinds.repoAnnouncement, pubkey: key.owner, d: key.d))
            let served =
                servedAnnouncement.map { a in Self.announcement(w, key)?.id == a.id && Self.listsService(w, a) }
                ?? false
            // A mirror's refs follow its upstream (SPEC §7), not Nostr states.
            if served, let latest, !mirrors.repos.contains(key) {
                let want = Self.refs(latest)
                let have = Self.hostedRefs(repo)
                if want != have {
                    fail(
                        .refsMatchServedState, t, replica,
                        "repo \(key) refs \(describe(have)) differ from newest served state \(latest.id.prefix(8)) \(describe(want))"
                    )
                }
            }
            // An announcement still in purgatory although its repo already carries served data.
            // (Replicas apply such data in their next locked maintenance cycle: checked at the end.)
            // Only a state of a current maintainer releases it: data left from an announcement
            // deleted and made again with other maintainers does not (generated arrival seed 3522).
            if on(.releasedWhenDataPresent), w.lockService == nil, let latest, !Self.refs(latest).isEmpty,
                Self.hostedRefs(repo) == Self.refs(latest), Self.maintainers(w, key).contains(latest.pubkey)
            {
                for (name, p) in w.purgatories {
                    // A waiting version superseded by a served one (the maintainer exception,
                    // equal created_at) no longer speaks for its author: it only expires.
                    if let a = p.announcements[key], !a.softExpired, Self.announcement(w, key)?.id == a.event.id {
                        fail(
                            .releasedWhenDataPresent, t, name,
                            "announcement \(a.event.id.prefix(8)) (\(key)) still in purgatory although its repository holds served state \(latest.id.prefix(8))"
                        )
                    }
                }
            }
        }
        guard on(.releasedWhenDataPresent), w.lockService == nil else { return }
        waitingWithData(w, t, identifiers: Set(keys.map(\.d)))
    }

    private func describe(_ refs: [String: ObjectID]) -> String {
        "{" + refs.keys.sorted().map { "\($0)=\(refs[$0]!.hex.prefix(7))" }.joined(separator: ",") + "}"
    }

    // MARK: end of run

    public func quiescence(reached: Bool, at t: SimTime, bound: SimTime) {
        if !reached {
            fail(
                .quiescence, t, "sim",
                "not quiescent by \(Time.format(bound)): messages or one-shot timers still pending after healing")
        }
    }

    public func finish(_ w: WorldView, healedAt: SimTime) {
        let t = w.now
        coverAtEnd(w)
        if on(.releasedWhenDataPresent) { waitingWithData(w, t, identifiers: nil) }
        for family in families {
            family.finish(w, healedAt: healedAt, violationSink)
            situations.formUnion(family.situations)
        }
    }
}
