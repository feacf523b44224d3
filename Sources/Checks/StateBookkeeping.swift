import Nostr
import Relay
import SimKernel

/// What the checks compute themselves about states: which state speaks for each
/// repository after a push, and how states extend waiting announcements.
extension CheckSuite {
    /// An accepted push that brings a repository to the refs of the newest served state of
    /// its current maintainers makes that state speak for it (after a change of
    /// maintainers it can be older than the newest state applied to the repository).
    /// Found from the refs and the store, not from the relay's report of what authorized
    /// the push; a push to an older served state's refs changes nothing here, so it is
    /// still reported.
    func notePushedState(_ repo: RepoKey, _ w: WorldView) {
        guard let r = w.storage.repository(repo) else { return }
        let have = Self.hostedRefs(r)
        guard !have.isEmpty else { return }
        let m = Self.maintainers(w, repo).sorted()
        let states = (try? w.store.query([Filter(authors: m, kinds: [Kinds.repoState], tags: ["d": [repo.d]])])) ?? []
        if let newest = states.filter({ $0.dTag == repo.d }).sorted(by: queryOrder).first, Self.refs(newest) == have {
            appliedStates[repo] = newest
        }
    }

    /// SPEC §4: a state whose author is in an owner's maintainer set, and that is not
    /// already waiting, extends that owner's waiting announcement to one ttl from now —
    /// whatever the relay then answers. Computed here from the event and the maintainer
    /// sets, so a relay that forgets to extend (and says nothing) is caught at expiry.
    func extendAnnouncements(forStateAnswered id: String, _ t: SimTime, _ w: WorldView) {
        guard let e = sentEvents[id], e.kind == Kinds.repoState else { return }
        if let since = waitingStates[id], since < t { return }  // already waiting: "duplicate: in purgatory"
        for owner in Self.owners(w, e.dTag) {
            let key = RepoKey(owner: owner, d: e.dTag)
            guard let annID = waitingAnnouncement[key], let d = deadlines[annID],
                Self.maintainers(w, key).contains(e.pubkey)
            else { continue }
            if d.deadline - t < w.config.purgatoryTTL / 2 { situations.insert(.lateStateExtendsAnnouncement) }
            deadlines[annID] = (t + w.config.purgatoryTTL, d.replica, d.since)
        }
    }
}
