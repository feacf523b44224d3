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
