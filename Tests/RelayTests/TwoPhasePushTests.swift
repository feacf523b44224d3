import EventStore
import GitStore
import Nostr
import SimKernel
import Testing

@testable import Relay

/// Pushes the `git` programs apply (a real server): pre-receive proposes, post-receive
/// reports what landed.
@Suite struct TwoPhasePushTests {
    private func propose(_ f: Fixture, _ updates: [RefUpdate]) -> [RefResult] {
        for o in f.handle(.gitPushProposed(RequestID(client: 0, number: 1), path: f.path(f.alice), updates: updates)) {
            if case .reply(_, .pushResult(let r)) = o { return r }
        }
        return []
    }

    /// What git does between the hooks: store the objects, move the refs.
    private func gitApplies(_ f: Fixture, _ updates: [RefUpdate]) throws {
        let repo = try #require(f.storage.repository(RepoKey(owner: f.alice.publicKey, d: "repo")))
        _ = try repo.receive(try f.local.pack(tips: updates.map(\.new), haves: []))
        for u in updates { try repo.setRef(u.name, u.new) }
    }

    @Test func refusedWithoutAState() {
        let f = Fixture()
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice))
        let r = propose(f, [RefUpdate(name: "refs/heads/main", old: .zero, new: c1)])
        #expect(r.first?.error == "authorisation failed: no state events in purgatory")
    }

    @Test func acceptedThenAppliedReleasesTheState() throws {
        let f = Fixture()
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice))
        let st = f.state(f.alice, refs: [("refs/heads/main", c1)])
        f.publish(st)
        let updates = [RefUpdate(name: "refs/heads/main", old: .zero, new: c1)]
        #expect(propose(f, updates).allOK)
        #expect(!f.served(st))  // nothing lands before git applies it
        try gitApplies(f, updates)
        let out = f.handle(.gitPushApplied(RequestID(client: 0, number: 2), path: f.path(f.alice), updates: updates))
        #expect(f.served(st))
        let authorized = out.contains {
            if case .observe(.push(_, _, _, let by)) = $0 { return by == st.id } else { return false }
        }
        #expect(authorized)
    }

    /// The deadlines of the announcement and of the state that authorized a push passing
    /// while git applies it (between the hooks) neither delete the repository under git
    /// nor drop the state: post-receive brings the data and serves both.
    @Test func anAcceptedPushKeepsItsRepositoryAndStatePastTheirDeadline() throws {
        let f = Fixture { c in
            c.purgatoryTTL = Time.min(1)
            c.sweepInterval = Time.s(5)
        }
        let c1 = f.commit("c1")
        let ann = f.announcement(f.alice)
        f.publish(ann)
        let st = f.state(f.alice, refs: [("refs/heads/main", c1)])
        f.publish(st)  // both wait until 1m
        f.advance(Time.s(55))
        let updates = [RefUpdate(name: "refs/heads/main", old: .zero, new: c1)]
        #expect(propose(f, updates).allOK)
        f.advance(Time.s(30))  // past both deadlines, within the grace
        #expect(f.relay.purgatory.expired[st.id] == nil)
        let key = RepoKey(owner: f.alice.publicKey, d: "repo")
        #expect(f.storage.exists(key))
        try gitApplies(f, updates)
        _ = f.handle(.gitPushApplied(RequestID(client: 0, number: 2), path: f.path(f.alice), updates: updates))
        #expect(f.served(st) && f.served(ann))
        f.advance(Time.min(5))
        #expect(f.storage.exists(key) && f.refs(f.alice)["refs/heads/main"] == c1)
    }

    /// A git that died between the hooks never reports: past the grace, the repository of
    /// an announcement that never got its data expires as usual.
    @Test func aPushNeverAppliedLetsTheRepositoryExpireAfterTheGrace() {
        let f = Fixture { c in
            c.purgatoryTTL = Time.min(1)
            c.sweepInterval = Time.s(5)
        }
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice))
        f.publish(f.state(f.alice, refs: [("refs/heads/main", c1)]))
        f.advance(Time.s(55))
        #expect(propose(f, [RefUpdate(name: "refs/heads/main", old: .zero, new: c1)]).allOK)
        let key = RepoKey(owner: f.alice.publicKey, d: "repo")
        f.advance(Time.s(30))
        #expect(f.storage.exists(key))
        f.advance(RelayCore.pushApplyGrace)
        #expect(!f.storage.exists(key))
    }

    /// Git applies all or none: one refused ref refuses the whole push, and says why.
    @Test func oneRefusedRefRefusesThePush() {
        let f = Fixture()
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice))
        f.publish(f.state(f.alice, refs: [("refs/heads/main", c1)]))
        let r = propose(
            f,
            [
                RefUpdate(name: "refs/heads/main", old: .zero, new: c1),
                RefUpdate(name: "refs/nostr/not-an-id", old: .zero, new: c1),
            ])
        #expect(r.count == 2 && r.allSatisfy { !$0.ok })
        #expect(r[0].error?.hasPrefix("not applied") == true)
        #expect(r[1].error?.hasPrefix("invalid nostr ref") == true)
    }
}
