import GitStore
import Nostr
import SimKernel
import Testing

@testable import Relay

/// Mistakes in the reference found by generated workloads (`graspsim run --generate`),
/// each reduced to the few events that show it. Each test fails on the code before its fix.
@Suite struct GeneratedFindings {
    /// An older served state of another maintainer does not authorize a push: only the
    /// newest served state speaks for the repository (generated arrival seed 14).
    @Test func olderServedStateDoesNotAuthorize() {
        let f = Fixture()
        let (c1, c2) = (f.commit("c1"), f.commit("c2"))
        f.publish(f.announcement(f.alice, maintainers: [f.bob]))
        f.publish(f.state(f.bob, refs: [("refs/heads/main", c1)]))
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)
        f.now = LocalTime.seconds(10)
        f.publish(f.state(f.alice, refs: [("refs/heads/main", c2)]))
        #expect(f.push(f.alice, [("refs/heads/main", c2)]).allOK)
        // Bob's state (c1) is still served, but Alice's newer one says c2.
        let back = f.push(f.alice, [("refs/heads/main", c1)])
        #expect(!back.allOK)
        #expect(f.refs(f.alice)["refs/heads/main"] == c2)
    }

    /// Releasing one state copies objects that complete another waiting state (a newer
    /// one of another maintainer): the same "git data became available" pass releases it
    /// too (generated arrival seed 26).
    @Test func releaseRepeatsUntilNothingMoreCompletes() {
        let f = Fixture()
        let c1 = f.commit("c1")
        let c2 = f.commit("c2", parent: c1)
        let c3 = f.commit("c3", parent: c2)
        // Alice's repository: Bob maintains it, and Bob's own announcement (hosted
        // elsewhere) names Carol, so Carol's states speak for it too. Carol has her own.
        f.publish(f.announcement(f.alice, maintainers: [f.bob]))
        f.publish(f.announcement(f.bob, maintainers: [f.carol], listsService: false))
        f.publish(f.announcement(f.carol))
        f.now = LocalTime.seconds(1)
        let carols = f.state(f.carol, refs: [("refs/heads/main", c3)])  // for Alice's and Carol's
        f.publish(carols)
        f.now = LocalTime.seconds(2)
        let bobs = f.state(f.bob, refs: [("refs/heads/main", c2)])  // newer, for Alice's only
        f.publish(bobs)
        // Carol's push releases her state, which copies c3 (and so c2) into Alice's
        // repository: Bob's newer state is now complete there and must not keep waiting.
        #expect(f.push(f.carol, [("refs/heads/main", c3)]).allOK)
        #expect(f.served(carols))
        #expect(f.served(bobs))
        #expect(f.relay.purgatory.states["repo"] == nil)
        #expect(f.refs(f.alice)["refs/heads/main"] == c2)
    }

    /// A deletion of a served event reports what it took from readers (before, storing the
    /// kind-5 event applied it silently first; generated arrival seed 116).
    @Test func deletionReportsUnservedEvents() {
        let f = Fixture()
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice))
        let st = f.state(f.alice, refs: [("refs/heads/main", c1)])
        f.publish(st)
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)
        #expect(f.served(st))
        let del = f.event(f.alice, kind: Kinds.deletion, tags: [["e", st.id], ["k", "30618"]])
        let out = f.handle(.nostr(1, .event(del), .user))
        #expect(!f.served(st))
        #expect(
            out.contains { o in
                if case .observe(.unserved(let ids, _)) = o { return ids.contains(st.id) }
                return false
            })
    }

    /// The newest version of an announcement decides its author's maintainers, even when an
    /// older version waits in purgatory (equal created_at, lower id; generated arrival seed 28).
    @Test func newestAnnouncementVersionDecidesMaintainers() {
        let f = Fixture()
        let c1 = f.commit("c1")
        // Two versions in the same second: pick the pair so that the one hosted elsewhere
        // (without Carol as maintainer) has the lower id and so is the current version.
        func version(_ maintainers: [KeyPair], lists: Bool, _ n: Int) -> NostrEvent {
            let host = lists ? f.config.domain : "elsewhere.invalid"
            return f.event(
                f.alice, kind: Kinds.repoAnnouncement,
                tags: [
                    ["d", "repo"], ["clone", "https://\(host)/\(f.alice.npub)/repo.git"], ["relays", "wss://\(host)"],
                    ["maintainers"] + maintainers.map(\.publicKey), ["name", "v\(n)"],
                ], at: f.config.epochUnix)
        }
        var n = 0
        var listing = version([f.bob, f.carol], lists: true, n)
        var elsewhere = version([f.bob], lists: false, n)
        while elsewhere.id > listing.id {
            n += 1
            listing = version([f.bob, f.carol], lists: true, n)
            elsewhere = version([f.bob], lists: false, n)
        }
        #expect(f.publish(listing) == (true, purgatoryMsg))
        #expect(f.publish(elsewhere) == (true, ""))  // newer by the tie-break, hosted elsewhere
        let (ok, msg) = f.publish(f.state(f.carol, refs: [("refs/heads/main", c1)]))
        #expect(!ok && msg == "invalid: author not authorized for this repository")
    }

    /// A maintainer's announcement admitted by the exception can make a waiting state
    /// authoritative for a repository: it is released as soon as its data is here (generated
    /// arrival seed 56). Git data anywhere in the identifier counts (generated sync
    /// profile), so the state waits only while no repository it speaks for exists.
    @Test func exceptionAnnouncementReleasesWhatItAuthorizes() {
        let f = Fixture()
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice))
        f.publish(f.state(f.alice, refs: [("refs/heads/main", c1)]))
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)
        f.publish(f.announcement(f.bob))
        f.now = LocalTime.seconds(5)
        let bobs = f.state(f.bob, refs: [("refs/heads/main", c1)])
        #expect(f.publish(bobs) == (true, ""))  // Bob's repository gets c1 from Alice's
        #expect(f.served(bobs))
        #expect(f.refs(f.bob)["refs/heads/main"] == c1)
        // A state by Carol, who maintains nothing yet, is refused; once Alice's newer
        // announcement (hosted elsewhere) names her, hers is taken and applied at once.
        let carols = f.state(f.carol, refs: [("refs/heads/main", c1)])
        #expect(f.publish(carols).0 == false)
        f.now = LocalTime.seconds(10)
        #expect(f.publish(f.announcement(f.alice, maintainers: [f.carol], listsService: false)) == (true, ""))
        f.now = LocalTime.seconds(15)
        #expect(f.publish(f.state(f.carol, refs: [("refs/heads/main", c1)])) == (true, ""))
    }

    /// A listing announcement replacing a served one that was hosted elsewhere is new
    /// here: its repository is created and it waits for git data (generated arrival seed 48).
    @Test func listingReplacementOfAnElsewhereAnnouncementWaits() {
        let f = Fixture()
        f.publish(f.announcement(f.alice, maintainers: [f.bob]))
        let elsewhere = f.announcement(f.bob, listsService: false)
        #expect(f.publish(elsewhere) == (true, ""))
        f.now = LocalTime.seconds(10)
        let here = f.announcement(f.bob)
        #expect(f.publish(here) == (true, purgatoryMsg))
        #expect(!f.served(here))
        #expect(f.storage.exists(RepoKey(owner: f.bob.publicKey, d: "repo")))
    }

    /// A state applied at once (its data already here) copies objects into the other
    /// repositories it speaks for; a state waiting for one of them is then complete and is
    /// released too (generated arrival seed 2170).
    @Test func appliedStateReleasesWhatItsCopiesComplete() {
        let f = Fixture()
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.alice, maintainers: [f.bob]))
        f.publish(f.announcement(f.carol, maintainers: [f.bob]))
        f.publish(f.state(f.alice, refs: [("refs/heads/main", c1)]))
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)
        f.now = LocalTime.seconds(5)
        // Carol's repository has no data yet, Alice's has: git data anywhere in the
        // identifier counts, so Carol's state is applied at once, its objects copied.
        let carols = f.state(f.carol, refs: [("refs/heads/main", c1)])
        #expect(f.publish(carols) == (true, ""))
        #expect(f.refs(f.carol)["refs/heads/main"] == c1)
        f.now = LocalTime.seconds(10)
        let bobs = f.state(f.bob, refs: [("refs/heads/main", c1)])
        #expect(f.publish(bobs) == (true, ""))  // applied: Alice's repository has c1
        #expect(f.served(carols))
        #expect(f.relay.purgatory.states["repo"] == nil)
    }

    /// A push authorized by a served state (another maintainer's) releases the pushed
    /// repository's waiting announcement (generated arrival seed 929).
    @Test func pushAuthorizedByServedStatePromotesTheAnnouncement() {
        let f = Fixture()
        let c1 = f.commit("c1")
        f.publish(f.announcement(f.bob))
        f.publish(f.state(f.bob, refs: [("refs/heads/main", c1)]))
        #expect(f.push(f.bob, [("refs/heads/main", c1)]).allOK)  // Bob's state is served
        let alices = f.announcement(f.alice, maintainers: [f.bob])
        #expect(f.publish(alices) == (true, purgatoryMsg))
        #expect(f.push(f.alice, [("refs/heads/main", c1)]).allOK)  // authorized by Bob's served state
        #expect(f.served(alices))
        #expect(f.relay.purgatory.announcements.isEmpty)
    }
}
