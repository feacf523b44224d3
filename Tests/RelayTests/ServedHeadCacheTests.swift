import Nostr
import SimKernel
import Testing

@testable import Relay

/// The default branch is cached until the event store or purgatory changes; each kind of
/// change alone must refresh it (a cache that ignores either fails here).
@Suite struct ServedHeadCacheTests {
    @Test func storeAndPurgatoryChangesEachRefreshTheDefaultBranch() throws {
        let f = Fixture()
        // A purgatory shared the way replicas share it: another replica's change lands here.
        let box = PurgatoryBox()
        f.relay = RelayCore(config: f.config, replica: "r0", store: f.store, storage: f.storage, purgatory: box)
        let key = RepoKey(owner: f.alice.publicKey, d: "repo")
        let c1 = f.commit("one")
        #expect(f.publish(f.announcement(f.alice, maintainers: [f.bob])).0)
        #expect(f.publish(f.state(f.alice, refs: [("refs/heads/main", c1), ("refs/heads/dev", c1)])).0)
        let pushed = f.push(f.alice, [("refs/heads/main", c1), ("refs/heads/dev", c1)])
        #expect(pushed.allSatisfy { $0.ok })
        #expect(try f.relay.defaultBranch(key) == "refs/heads/main")

        // A store-only change (another replica stored it): alice's newer state names dev.
        f.advance(Time.s(2))
        let purgatoryRevision = box.revision
        _ = try f.store.insert(
            f.state(f.alice, refs: [("refs/heads/main", c1), ("refs/heads/dev", c1)], head: "refs/heads/dev"))
        #expect(box.revision == purgatoryRevision)
        #expect(try f.relay.defaultBranch(key) == "refs/heads/dev")

        // bob's announcement names carol; carol's newer state moves HEAD to main again.
        #expect(f.publish(f.announcement(f.bob, maintainers: [f.carol])).0)
        f.advance(Time.s(2))
        let carols = f.state(f.carol, refs: [("refs/heads/main", c1), ("refs/heads/dev", c1)], head: "refs/heads/main")
        #expect(f.publish(carols).0)
        #expect(f.served(carols))
        #expect(try f.relay.defaultBranch(key) == "refs/heads/main")

        // A purgatory-only change (another replica recorded it): a newer announcement of
        // bob's naming nobody waits, so carol no longer speaks for the repository and
        // alice's dev state is the newest served one again.
        f.advance(Time.s(2))
        let storeRevision = f.store.revision
        box.value.announcements[RepoKey(owner: f.bob.publicKey, d: "repo")] =
            .init(event: f.announcement(f.bob), deadline: f.now + Time.min(30))
        #expect(f.store.revision == storeRevision)
        #expect(try f.relay.defaultBranch(key) == "refs/heads/dev")
    }
}

/// A box that replaces one lost in a crash never repeats a revision of the old one, so a
/// cache keyed on the announcements' revision (or a sum over replicas) sees the change.
@Suite struct PurgatoryBoxRevisionTests {
    @Test func aNewBoxNeverRepeatsAnOldBoxsRevision() throws {
        let f = Fixture()
        let event = f.announcement(f.alice, maintainers: [])
        let key = RepoKey(owner: f.alice.publicKey, d: "repo")
        let old = PurgatoryBox()
        var seen: Set<Int> = [old.announcementsRevision]
        for i in 0..<3 {
            old.value.announcements[key] = Purgatory.AnnouncementEntry(
                event: event, deadline: LocalTime(nanoseconds: Int64(i + 1)))
            seen.insert(old.announcementsRevision)
        }
        #expect(seen.count == 4, "each change of the announcements moves the revision")
        // The replacement makes as many changes as the old box did, and more.
        let replacement = PurgatoryBox()
        for i in 0..<5 {
            #expect(!seen.contains(replacement.announcementsRevision), "revision repeated after \(i) changes")
            replacement.value.announcements[key] = Purgatory.AnnouncementEntry(
                event: event, deadline: LocalTime(nanoseconds: Int64(i + 1)))
        }
    }
}
