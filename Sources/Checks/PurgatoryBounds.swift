import Relay
import SimKernel

/// What the purgatory checks allow and look for beyond one relay step: how late a
/// replicated deployment may expire an announcement, and states still waiting with their
/// data here.
extension CheckSuite {
    /// How late a replicated deployment may carry out an expiry: repository writes happen
    /// only in maintenance, under the repository's lock. The first cycle to start after
    /// the deadline may wait for one already running (started before the deadline, past
    /// this repository), and a cycle that finds the lock held by a push skips the
    /// repository until the next: two rounds of (start interval + a pass over every
    /// repository, two steps and a lock acquisition each).
    static func replicatedExpiryDelay(_ w: WorldView, mostRepositories: Int) -> SimDuration {
        guard let m = w.maintenance else { return 0 }
        let pass = SimDuration(max(mostRepositories, 1)) * (2 * m.step + w.lockOptions.retryBudget)
        return 2 * (m.interval + pass)
    }

    /// Purgatory states with an authoritative repository whose objects are complete in
    /// some repository of their identifier (git data here is data for the identifier).
    func waitingWithData(_ w: WorldView, _ t: SimTime, identifiers: Set<String>?) {
        for (name, p) in w.purgatories {
            for d in p.states.keys.sorted() where identifiers?.contains(d) ?? true {
                for s in p.states[d]! {
                    let tips = Array(Self.refs(s.event).values)
                    let authorized = Self.owners(w, d).contains {
                        w.storage.exists(RepoKey(owner: $0, d: d))
                            && Self.maintainers(w, RepoKey(owner: $0, d: d)).contains(s.event.pubkey)
                    }
                    let here = w.storage.keys.first { $0.d == d && w.storage.repository($0)?.isComplete(tips) == true }
                    if authorized, let here {
                        fail(
                            .releasedWhenDataPresent, t, name,
                            "state \(s.event.id.prefix(8)) still waits although its objects are in \(here), a repository of its identifier"
                        )
                    }
                }
            }
        }
    }
}
