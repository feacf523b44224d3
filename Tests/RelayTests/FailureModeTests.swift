import GitStore
import Nostr
import SimKernel
import Testing

@testable import Relay

/// SPEC §8: each known production mistake, put back by a switch, changes the observable
/// behaviour these tests pin down; the reference (switch off) does the right thing.
@Suite struct FailureModes {
    /// §8.1 Push authorized against the database only: the state waits for git data while
    /// the push waits for the state.
    @Test(arguments: [false, true]) func databaseOnlyAuthorizationDeadlocks(broken: Bool) {
        let f = Fixture { $0.faultAuthorizeFromDatabaseOnly = broken }
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice))
        let st = f.state(f.alice, refs: [("refs/heads/main", c1)])
        f.publish(st)
        let ok = f.push(f.alice, [("refs/heads/main", c1)]).allOK
        #expect(ok == !broken)
        #expect(f.served(st) == !broken)
    }

    /// §8.10 Replacement announcement while the original is in purgatory.
    @Test(arguments: [false, true]) func replacementOfPurgatoryAnnouncement(broken: Bool) {
        let f = Fixture { $0.faultReplacementBypassesPurgatory = broken }
        f.publish(f.announcement(f.alice))
        f.now += Time.s(3)
        let replacement = f.announcement(f.alice, maintainers: [f.bob])
        let (ok, msg) = f.publish(replacement)
        #expect(ok)
        #expect(f.served(replacement) == broken)  // broken: served without git data
        if !broken {
            #expect(msg == purgatoryMsg)
            #expect(
                f.relay.purgatory.announcements[RepoKey(owner: f.alice.publicKey, d: "repo")]?.event.id
                    == replacement.id)
        }
    }

    /// §8.11 Peeled `^{}` entries must not take part in exact equality.
    @Test(arguments: [false, true]) func peeledEntriesIgnored(broken: Bool) {
        let f = Fixture { $0.faultComparePeeledRefs = broken }
        let c1 = f.commit("c1")
        let tag = try! f.local.writeAnnotatedTag(
            target: c1, targetType: .commit, name: "v1", message: "v1\n",
            tagger: Signature(name: "t", email: "t@t", time: 1))
        f.publish(f.announcement(f.alice))
        f.publish(
            f.state(
                f.alice, refs: [("refs/heads/main", c1), ("refs/tags/v1", tag)], extra: [["refs/tags/v1^{}", c1.hex]]))
        let ok = f.push(f.alice, [("refs/heads/main", c1), ("refs/tags/v1", tag)]).allOK
        #expect(ok == !broken)
    }

    /// §8.12 A no-op push after the state was applied between the client's fetch and push.
    @Test(arguments: [false, true]) func noOpPushAccepted(broken: Bool) {
        let f = Fixture { $0.faultRejectNoOpPush = broken }
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice))
        f.publish(f.state(f.alice, refs: [("refs/heads/main", c1)]))
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)
        // The same push again (old == new): the state has meanwhile left purgatory.
        let r = f.push(f.alice, [("refs/heads/main", c1)])
        #expect(r.allOK == !broken)
        if broken { #expect(r.first?.error == "authorisation failed: no state events in purgatory") }
    }

    /// §8.14 Soft-expiry marked even though deleting the repo failed.
    @Test(arguments: [false, true]) func softExpiryOnlyAfterDeletion(broken: Bool) {
        let f = Fixture { $0.faultSoftExpireOnFailedDelete = broken }
        f.publish(f.announcement(f.alice))
        let key = RepoKey(owner: f.alice.publicKey, d: "repo")
        f.storage.failingDeletes.insert(key)
        f.advance(Time.min(31))
        #expect(f.storage.exists(key))
        #expect(f.relay.purgatory.announcements[key]?.softExpired == broken)
        f.storage.failingDeletes.remove(key)
        f.advance(Time.min(1))
        // Reference: retried and now deleted. Broken: never deleted.
        #expect(f.storage.exists(key) == broken)
    }

    /// §8.15 Objects copied to another maintainer's repo but that owner's purgatory
    /// announcement never promoted.
    @Test(arguments: [false, true]) func copiedRepoAnnouncementPromoted(broken: Bool) {
        let f = Fixture { $0.faultSkipPromotingCopies = broken }
        let c1 = f.commit("c1")
        let annA = f.announcement(f.alice, maintainers: [f.bob])
        let annB = f.announcement(f.bob, maintainers: [f.alice])
        f.publish(annA)
        f.publish(annB)
        f.publish(f.state(f.bob, refs: [("refs/heads/main", c1)]))
        #expect(f.push(f.bob, [("refs/heads/main", c1)]).allOK)
        #expect(f.served(annB))
        #expect(f.refs(f.alice)["refs/heads/main"] == c1)  // copied either way
        #expect(f.served(annA) == !broken)
    }
}
