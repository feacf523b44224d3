import Nostr
import Relay
import SimKernel

/// `purgatory-exit-timing`: each waiting entry leaves for a known reason, no earlier than
/// the deadline this check computes (one purgatory ttl after the entry was made; for an
/// announcement, after the last state of its maintainers that extended it, SPEC §4) and
/// no later than the sweep and the deployment allow; a soft-expired announcement's
/// repository is gone — never the deadline the relay reports.
final class PurgatoryTiming: InvariantFamily {
    static let invariants: Set<InvariantName> = [.purgatoryExitTiming]
    static let observes: HistoryKinds = [.published, .relay]

    /// Situations this family saw (a late state extending an announcement).
    private(set) var situations: Set<Situation> = []
    /// Each waiting entry's deadline as this check computes it, where it waits and since when.
    private var deadlines: [String: (deadline: SimTime, replica: String, since: SimTime)] = [:]
    /// Held announcements by id; the announcement waiting for each repository; waiting states.
    private var heldAnnouncements: [String: RepoKey] = [:]
    private var waitingAnnouncement: [RepoKey: String] = [:]
    private var waitingStates: [String: SimTime] = [:]
    /// Every event a client sent, by id (to know what an acknowledgement was for).
    private var sentEvents: [String: NostrEvent] = [:]
    private var lastDeleteFailure: [RepoKey: SimTime] = [:]
    /// The most repositories storage has held at once (a maintenance pass visits each).
    private var mostRepositories = 0

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        let t = entry.time
        switch entry.item {
        case .published(_, _, let e, _): sentEvents[e.id] = e
        case .relay(let replica, let obs): observeRelay(obs, replica, t, w, violations)
        default: break
        }
    }

    func afterRelayStep(_ w: WorldView, replica: String, _ violations: Violations) {
        mostRepositories = max(mostRepositories, w.storage.count)
    }

    private func observeRelay(
        _ obs: Observation, _ replica: String, _ t: SimTime, _ w: WorldView, _ violations: Violations
    ) {
        switch obs {
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
            if e.kind == Kinds.repoState, waitingStates[e.id] == nil { waitingStates[e.id] = t }
        case .left(let id, _, let why):
            if why == "expired", let d = deadlines[id] {
                // The entry was timed from `since` by the clock of whichever replica expires
                // it (a purgatory the replicas share), and in locked maintenance the lock
                // service's clock times the leases it waits for.
                let clock = w.clockAllowance(nil, from: d.since, to: t)
                if t < d.deadline - clock {
                    violations.fail(
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
                    + clock
                    + (heldAnnouncements[id] != nil
                        ? CheckSuite.replicatedExpiryDelay(w, mostRepositories: mostRepositories) : 0)
                // An announcement whose repository could not be deleted stays until it can.
                if let key = heldAnnouncements[id], let failed = lastDeleteFailure[key], failed >= d.deadline {
                    slack += failed - d.deadline
                }
                if t > d.deadline + slack {
                    violations.fail(
                        .purgatoryExitTiming, t, replica,
                        "event \(id.prefix(8)) expired \(Time.format(t - d.deadline)) after its deadline \(Time.format(d.deadline)) (allowed \(Time.format(slack)))"
                    )
                }
            }
            if why == "expired", let key = heldAnnouncements[id], w.storage.exists(key) {
                violations.fail(
                    .purgatoryExitTiming, t, replica,
                    "announcement \(id.prefix(8)) soft-expired but its repository \(key) still exists")
            }
            if !["released", "expired", "deleted", "superseded", "replaced", "crash-lost"].contains(why) {
                violations.fail(
                    .purgatoryExitTiming, t, replica,
                    "event \(id.prefix(8)) left purgatory for an unknown reason '\(why)'")
            }
            // The entry is gone: a later entry for the same id (a git-first placeholder
            // after a crash lost the event, say) has a deadline of its own.
            deadlines[id] = nil
            waitingStates[id] = nil
            if let key = heldAnnouncements[id], waitingAnnouncement[key] == id { waitingAnnouncement[key] = nil }
        case .acknowledged(let id, let accepted, let message):
            // An event its author deleted is refused before anything else (NIP-09): it
            // extends nothing.
            if accepted || !message.hasPrefix("blocked:") { extendAnnouncements(forStateAnswered: id, t, w) }
        case .repoDeleteFailed(let key):
            lastDeleteFailure[key] = t
        case .placeholder(let id, _, _):
            // Git first: the placeholder lives one purgatory ttl from now (SPEC §4).
            deadlines[id] = (t + w.config.purgatoryTTL, replica, t)
        default: break
        }
    }

    /// SPEC §4: a state whose author is in an owner's maintainer set, and that is not
    /// already waiting, extends that owner's waiting announcement to one ttl from now —
    /// whatever the relay then answers. Computed here from the event and the maintainer
    /// sets, so a relay that forgets to extend (and says nothing) is caught at expiry.
    private func extendAnnouncements(forStateAnswered id: String, _ t: SimTime, _ w: WorldView) {
        guard let e = sentEvents[id], e.kind == Kinds.repoState else { return }
        if let since = waitingStates[id], since < t { return }  // already waiting: "duplicate: in purgatory"
        for owner in CheckSuite.owners(w, e.dTag) {
            let key = RepoKey(owner: owner, d: e.dTag)
            guard let annID = waitingAnnouncement[key], let d = deadlines[annID],
                CheckSuite.maintainers(w, key).contains(e.pubkey)
            else { continue }
            if d.deadline - t < w.config.purgatoryTTL / 2 { situations.insert(.lateStateExtendsAnnouncement) }
            deadlines[annID] = (t + w.config.purgatoryTTL, d.replica, d.since)
        }
    }
}
