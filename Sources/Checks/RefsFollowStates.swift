import EventStore
import GitStore
import Nostr
import Relay
import SimKernel

/// `refs-match-served-state` and `released-when-data-present`: after every relay step, each
/// repository it touched has the refs of the newest state that spoke for it when served
/// (mirrors aside), and nothing waits in purgatory whose data is already here; at the end,
/// no state waits with its objects in a repository of its identifier. Which state speaks
/// for a repository is computed here from the store and maintainer sets, never asked of
/// the relay.
final class RefsFollowStates: InvariantFamily {
    static let invariants: Set<InvariantName> = [.refsMatchServedState, .releasedWhenDataPresent]
    static let observes: HistoryKinds = [.relay, .sync]

    /// For each repository, the newest state that was authoritative for it when served.
    private var appliedStates: [RepoKey: NostrEvent] = [:]
    /// Repositories and identifiers the step being processed touched.
    private var touched: Set<RepoKey> = []
    private var touchedIdentifiers: Set<String> = []
    private var mirrors = MirrorLog()

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        mirrors.note(entry)
        guard case .relay(_, let obs) = entry.item else { return }
        switch obs {
        case .served(let e, _):
            touchedIdentifiers.insert(e.dTag)
            if e.kind == Kinds.repoState {
                for owner in CheckSuite.owners(w, e.dTag) {
                    let key = RepoKey(owner: owner, d: e.dTag)
                    let maint = CheckSuite.maintainers(w, key)
                    guard maint.contains(e.pubkey) else { continue }
                    // A released state speaks for the repository when it is the newest served
                    // state of the *current* maintainers (an older one never moves it back;
                    // one whose author was dropped no longer counts: arrival seed 4131, sync
                    // seed 2790).
                    if CheckSuite.latestServedState(w, key)?.id == e.id { appliedStates[key] = e }
                }
            }
        case .unserved(let ids, _):
            // A deleted (or replaced) state no longer speaks for any repository; until the
            // next one is served the repository keeps whatever refs it has.
            for (key, e) in appliedStates where ids.contains(e.id) { appliedStates[key] = nil }
        case .push(let repo, _, let results, _):
            if results.allSatisfy(\.ok) { notePushedState(repo, w) }
            touched.insert(repo)
        case .refsChanged(let repo, _, _, _):
            touched.insert(repo)
        default: break
        }
    }

    /// After every relay input: the state of the repositories it touched.
    func afterRelayStep(_ w: WorldView, replica: String, _ violations: Violations) {
        let t = w.now
        var keys = touched
        for d in touchedIdentifiers { for o in CheckSuite.owners(w, d) { keys.insert(RepoKey(owner: o, d: d)) } }
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
                servedAnnouncement.map { a in
                    CheckSuite.announcement(w, key)?.id == a.id && CheckSuite.listsService(w, a)
                }
                ?? false
            // A mirror's refs follow its upstream (SPEC §7), not Nostr states.
            if served, let latest, !mirrors.repos.contains(key) {
                let want = CheckSuite.refs(latest)
                let have = CheckSuite.hostedRefs(repo)
                if want != have {
                    violations.fail(
                        .refsMatchServedState, t, replica,
                        "repo \(key) refs \(Self.describe(have)) differ from newest served state \(latest.id.prefix(8)) \(Self.describe(want))"
                    )
                }
            }
            // An announcement still in purgatory although its repo already carries served data.
            // (Replicas apply such data in their next locked maintenance cycle: checked at the end.)
            // Only a state of a current maintainer releases it: data left from an announcement
            // deleted and made again with other maintainers does not (generated arrival seed 3522).
            if violations.selected.contains(.releasedWhenDataPresent), w.lockService == nil, let latest,
                !CheckSuite.refs(latest).isEmpty,
                CheckSuite.hostedRefs(repo) == CheckSuite.refs(latest),
                CheckSuite.maintainers(w, key).contains(latest.pubkey)
            {
                for (name, p) in w.purgatories {
                    // A waiting version superseded by a served one (the maintainer exception,
                    // equal created_at) no longer speaks for its author: it only expires.
                    if let a = p.announcements[key], !a.softExpired, CheckSuite.announcement(w, key)?.id == a.event.id {
                        violations.fail(
                            .releasedWhenDataPresent, t, name,
                            "announcement \(a.event.id.prefix(8)) (\(key)) still in purgatory although its repository holds served state \(latest.id.prefix(8))"
                        )
                    }
                }
            }
        }
        guard violations.selected.contains(.releasedWhenDataPresent), w.lockService == nil else { return }
        waitingWithData(w, t, identifiers: Set(keys.map(\.d)), violations)
    }

    func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations) {
        if violations.selected.contains(.releasedWhenDataPresent) {
            waitingWithData(w, w.now, identifiers: nil, violations)
        }
    }

    /// An accepted push that brings a repository to the refs of the newest served state of
    /// its current maintainers makes that state speak for it (after a change of
    /// maintainers it can be older than the newest state applied to the repository).
    /// Found from the refs and the store, not from the relay's report of what authorized
    /// the push; a push to an older served state's refs changes nothing here, so it is
    /// still reported.
    private func notePushedState(_ repo: RepoKey, _ w: WorldView) {
        guard let r = w.storage.repository(repo) else { return }
        let have = CheckSuite.hostedRefs(r)
        guard !have.isEmpty else { return }
        let m = CheckSuite.maintainers(w, repo).sorted()
        let states = (try? w.store.query([Filter(authors: m, kinds: [Kinds.repoState], tags: ["d": [repo.d]])])) ?? []
        if let newest = states.filter({ $0.dTag == repo.d }).sorted(by: queryOrder).first,
            CheckSuite.refs(newest) == have
        {
            appliedStates[repo] = newest
        }
    }

    /// Purgatory states with an authoritative repository whose objects are complete in
    /// some repository of their identifier (git data here is data for the identifier).
    private func waitingWithData(_ w: WorldView, _ t: SimTime, identifiers: Set<String>?, _ violations: Violations) {
        for (name, p) in w.purgatories {
            for d in p.states.keys.sorted() where identifiers?.contains(d) ?? true {
                for s in p.states[d]! {
                    let tips = Array(CheckSuite.refs(s.event).values)
                    let authorized = CheckSuite.owners(w, d).contains {
                        w.storage.exists(RepoKey(owner: $0, d: d))
                            && CheckSuite.maintainers(w, RepoKey(owner: $0, d: d)).contains(s.event.pubkey)
                    }
                    let here = w.storage.keys.first { $0.d == d && w.storage.repository($0)?.isComplete(tips) == true }
                    if authorized, let here {
                        violations.fail(
                            .releasedWhenDataPresent, t, name,
                            "state \(s.event.id.prefix(8)) still waits although its objects are in \(here), a repository of its identifier"
                        )
                    }
                }
            }
        }
    }

    private static func describe(_ refs: [String: ObjectID]) -> String {
        "{" + refs.keys.sorted().map { "\($0)=\(refs[$0]!.hex.prefix(7))" }.joined(separator: ",") + "}"
    }
}
