import Foundation
import Nostr
import Testing

@testable import EventStore

private func hex64(_ n: Int) -> String {
    let h = String(n, radix: 16)
    return String(repeating: "0", count: 64 - h.count) + h
}

private let alice = String(repeating: "a", count: 64)
private let bob = String(repeating: "b", count: 64)

private func ev(
    _ n: Int, _ pubkey: String = alice, at createdAt: Int64 = 1_000, kind: Int = 1,
    tags: [[String]] = [], content: String = ""
) -> NostrEvent {
    NostrEvent(
        id: hex64(n), pubkey: pubkey, createdAt: createdAt, kind: kind, tags: tags,
        content: content, sig: String(repeating: "f", count: 128))
}

@Suite struct EventStoreInsertTests {
    @Test func storesReadsAndRefusesDuplicates() throws {
        let s = try EventStore()
        let e = ev(1, tags: [["p", bob], ["t", "tag \"quoted\"\n\\ é 😀 \u{1}"], ["x"]], content: "hi")
        #expect(try s.insert(e) == .stored)
        #expect(try s.insert(e) == .duplicate)
        #expect(try s.count() == 1)
        #expect(try s.event(id: e.id) == e)
        #expect(try s.event(id: hex64(2)) == nil)
        try s.remove(id: e.id)
        #expect(try s.count() == 0)
        #expect(try s.insert(e) == .stored, "plain removal is not a deletion")
    }

    @Test func ephemeralNeverStored() throws {
        let s = try EventStore()
        #expect(try s.insert(ev(1, kind: 20001)) == .ephemeral)
        #expect(try s.insert(ev(2, kind: 29999)) == .ephemeral)
        #expect(try s.count() == 0)
        #expect(try s.insert(ev(3, kind: 30000, tags: [["d", "x"]])) == .stored)
    }

    @Test func replaceableNewerWins() throws {
        let s = try EventStore()
        let old = ev(5, at: 100, kind: 0)
        let new = ev(9, at: 200, kind: 0)
        #expect(try s.insert(old) == .stored)
        #expect(try s.insert(new) == .replaced(oldIDs: [old.id]))
        #expect(try s.insert(old) == .superseded)
        #expect(try s.count() == 1)
        #expect(try s.latest(ReplacementKey(kind: 0, pubkey: alice, d: "")) == new)
        // Another author's profile is independent.
        #expect(try s.insert(ev(6, bob, at: 50, kind: 0)) == .stored)
        #expect(try s.count() == 2)
    }

    @Test(arguments: [false, true])
    func equalCreatedAtLowestIDWins(lowFirst: Bool) throws {
        let s = try EventStore()
        let low = ev(3, at: 500, kind: 10002)
        let high = ev(7, at: 500, kind: 10002)
        if lowFirst {
            #expect(try s.insert(low) == .stored)
            #expect(try s.insert(high) == .superseded)
        } else {
            #expect(try s.insert(high) == .stored)
            #expect(try s.insert(low) == .replaced(oldIDs: [high.id]))
        }
        #expect(try s.latest(ReplacementKey(kind: 10002, pubkey: alice, d: "")) == low)
        #expect(try s.count() == 1)
    }

    @Test func addressableKeyedByD() throws {
        let s = try EventStore()
        let repoA1 = ev(1, at: 10, kind: 30617, tags: [["d", "repo-a"]])
        let repoB = ev(2, at: 10, kind: 30617, tags: [["d", "repo-b"]])
        let repoA2 = ev(3, at: 20, kind: 30617, tags: [["d", "repo-a"]])
        let noD1 = ev(4, at: 10, kind: 30617)
        let noD2 = ev(5, at: 11, kind: 30617, tags: [["d", ""]])
        #expect(try s.insert(repoA1) == .stored)
        #expect(try s.insert(repoB) == .stored)
        #expect(try s.insert(repoA2) == .replaced(oldIDs: [repoA1.id]))
        #expect(try s.insert(noD1) == .stored)
        #expect(try s.insert(noD2) == .replaced(oldIDs: [noD1.id]), "missing d equals empty d")
        #expect(try s.latest(ReplacementKey(kind: 30617, pubkey: alice, d: "repo-a")) == repoA2)
        #expect(try s.latest(ReplacementKey(kind: 30617, pubkey: alice, d: "repo-b")) == repoB)
        #expect(try s.latest(ReplacementKey(kind: 30617, pubkey: bob, d: "repo-a")) == nil)
        // Tie on the address at equal time: lowest id wins, in both orders.
        let tieHigh = ev(0x20, at: 20, kind: 30617, tags: [["d", "repo-a"]])
        #expect(try s.insert(tieHigh) == .superseded)
        let tieLow = ev(0, at: 20, kind: 30617, tags: [["d", "repo-a"], ["x", "y"]])
        #expect(try s.insert(tieLow) == .replaced(oldIDs: [repoA2.id]))
        #expect(try s.count() == 3)
    }

    @Test func regularEventsAreNotReplaced() throws {
        let s = try EventStore()
        #expect(try s.insert(ev(1, at: 1)) == .stored)
        #expect(try s.insert(ev(2, at: 2)) == .stored)
        #expect(try s.count() == 2)
    }
}

@Suite struct EventStoreQueryTests {
    /// 12 events: ids 1...12, created_at 100 + (n / 2) so pairs share a timestamp.
    private func fixture() throws -> (EventStore, [NostrEvent]) {
        let s = try EventStore()
        var events: [NostrEvent] = []
        for n in 1...12 {
            let author = n % 3 == 0 ? bob : alice
            let kind = n % 4 == 0 ? 7 : 1
            var tags: [[String]] = [["t", n % 2 == 0 ? "even" : "odd"]]
            if n > 1 { tags.append(["e", hex64(n - 1)]) }
            let e = ev(n, author, at: 100 + Int64(n / 2), kind: kind, tags: tags)
            #expect(try s.insert(e) == .stored)
            events.append(e)
        }
        return (s, events)
    }

    @Test func orderIsNewestFirstThenLowestID() throws {
        let (s, events) = try fixture()
        let all = try s.query([Filter()])
        #expect(all == events.sorted(by: queryOrder))
        #expect(all.first?.id == hex64(12))
        // 10 and 11 share created_at 105: lower id first.
        let i10 = all.firstIndex { $0.id == hex64(10) }!
        let i11 = all.firstIndex { $0.id == hex64(11) }!
        #expect(i10 < i11)
    }

    @Test func eachFilterConditionMatchesLikeFilterMatches() throws {
        let (s, events) = try fixture()
        let filters: [Filter] = [
            Filter(ids: [hex64(3), hex64(5), hex64(99)]),
            Filter(authors: [bob]),
            Filter(kinds: [7]),
            Filter(authors: [alice], kinds: [1]),
            Filter(tags: ["t": ["even"]]),
            Filter(tags: ["t": ["odd"], "e": [hex64(2), hex64(4)]]),
            Filter(since: 103),
            Filter(until: 102),
            Filter(since: 102, until: 103),
            Filter(authors: [alice], limit: 3),
            Filter(ids: []),
            Filter(tags: ["t": []]),
            Filter(limit: 0),
        ]
        for f in filters {
            var expected = events.filter { f.matches($0) }.sorted(by: queryOrder)
            if let limit = f.limit { expected = Array(expected.prefix(limit)) }
            #expect(try s.query([f]) == expected, "\(f)")
        }
        #expect(try s.query([Filter(ids: [hex64(3), hex64(5), hex64(99)])]).map(\.id) == [hex64(5), hex64(3)])
        #expect(try s.query([Filter(authors: [alice], limit: 3)]).map(\.id) == [hex64(10), hex64(11), hex64(8)])
    }

    @Test func filtersOrTogetherWithPerFilterLimits() throws {
        let (s, events) = try fixture()
        let f1 = Filter(authors: [bob], limit: 2)  // 12, 9
        let f2 = Filter(kinds: [7], limit: 1)  // 12
        let f3 = Filter(ids: [hex64(1)])  // 1
        let got = try s.query([f1, f2, f3])
        #expect(got.map(\.id) == [hex64(12), hex64(9), hex64(1)])
        #expect(try s.query([]) == [])
        #expect(try s.query([Filter(), Filter(authors: [bob])]).count == events.count)
    }
}

@Suite struct EventStoreDeletionTests {
    @Test func deletionByEventID() throws {
        let s = try EventStore()
        let mine = ev(1, alice, at: 10)
        let theirs = ev(2, bob, at: 10)
        let myDeletion = ev(3, alice, at: 20, kind: 5)
        #expect(try s.insert(mine) == .stored)
        #expect(try s.insert(theirs) == .stored)
        #expect(try s.insert(myDeletion) == .stored)
        let del = ev(4, alice, at: 30, kind: 5, tags: [["e", mine.id], ["e", theirs.id], ["e", myDeletion.id]])
        #expect(try s.insert(del) == .stored)
        #expect(try s.event(id: mine.id) == nil)
        #expect(try s.event(id: theirs.id) == theirs, "another author's event survives")
        #expect(try s.event(id: myDeletion.id) == myDeletion, "kind-5 events are never deleted")
        #expect(try s.event(id: del.id) == del, "the deletion request itself is stored")
        #expect(try s.insert(mine) == .deleted)
        #expect(try s.insert(myDeletion) == .duplicate)
        // Applying the same request again removes nothing new.
        #expect(try s.applyDeletion(del) == [])
    }

    @Test func applyDeletionReturnsSortedIDsAndForbidsLaterInsert() throws {
        let s = try EventStore()
        let a = ev(9, at: 1)
        let b = ev(4, at: 2)
        try #require(try s.insert(a) == .stored)
        try #require(try s.insert(b) == .stored)
        let future = ev(7, at: 3)  // not seen yet
        let del = ev(50, at: 10, kind: 5, tags: [["e", a.id], ["e", b.id], ["e", future.id]])
        #expect(try s.applyDeletion(del) == [b.id, a.id])
        #expect(try s.count() == 0)
        #expect(try s.insert(future) == .deleted, "deleted before it arrived")
        #expect(try s.insert(ev(7, bob, at: 3)) == .stored, "a deletion by alice does not bind bob")
        #expect(try s.applyDeletion(ev(51, at: 10, kind: 1, tags: [["e", hex64(7)]])) == [], "only kind 5 deletes")
    }

    @Test func deletionByAddress() throws {
        let s = try EventStore()
        let d = "repo"
        let v1 = ev(1, alice, at: 100, kind: 30617, tags: [["d", d]])
        let other = ev(2, alice, at: 100, kind: 30617, tags: [["d", "other"]])
        let bobs = ev(3, bob, at: 100, kind: 30617, tags: [["d", d]])
        for e in [v1, other, bobs] { #expect(try s.insert(e) == .stored) }
        let coord = "30617:\(alice):\(d)"
        // Bob cannot delete alice's address, even by naming it.
        let bobDel = ev(10, bob, at: 500, kind: 5, tags: [["a", coord]])
        #expect(try s.insert(bobDel) == .stored)
        #expect(try s.event(id: v1.id) == v1)

        let del = ev(11, alice, at: 200, kind: 5, tags: [["a", coord]])
        #expect(try s.insert(del) == .stored)
        #expect(try s.event(id: v1.id) == nil)
        #expect(try s.event(id: other.id) == other)
        #expect(try s.event(id: bobs.id) == bobs)
        // Versions up to the deletion's created_at are refused; newer ones are fine.
        #expect(try s.insert(ev(12, alice, at: 200, kind: 30617, tags: [["d", d]])) == .deleted)
        #expect(try s.insert(v1) == .deleted)
        let v3 = ev(13, alice, at: 201, kind: 30617, tags: [["d", d]])
        #expect(try s.insert(v3) == .stored)
        // A deletion older than the stored version removes nothing.
        #expect(try s.applyDeletion(ev(14, alice, at: 150, kind: 5, tags: [["a", coord]])) == [])
        #expect(try s.latest(ReplacementKey(kind: 30617, pubkey: alice, d: d)) == v3)
        // Replaceable kinds use an empty d.
        let profile = ev(15, alice, at: 100, kind: 0)
        #expect(try s.insert(profile) == .stored)
        #expect(try s.applyDeletion(ev(16, alice, at: 100, kind: 5, tags: [["a", "0:\(alice):"]])) == [profile.id])
    }
}

@Suite struct EventStorePersistenceTests {
    @Test func fileBackedStoreSurvivesReopen() throws {
        let dir = try makeTempDir("events")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("events.sqlite").path
        let e1 = ev(1, at: 10, tags: [["t", "x"]], content: "first")
        let e2 = ev(2, at: 20, kind: 30617, tags: [["d", "r"]])
        let gone = ev(3, at: 5)
        do {
            let s = try EventStore(path: path)
            #expect(try s.insert(e1) == .stored)
            #expect(try s.insert(e2) == .stored)
            #expect(try s.insert(gone) == .stored)
            #expect(try s.insert(ev(4, at: 30, kind: 5, tags: [["e", gone.id]])) == .stored)
        }
        let s = try EventStore(path: path)
        #expect(try s.count() == 3)
        #expect(try s.event(id: e1.id) == e1)
        #expect(try s.query([Filter(tags: ["t": ["x"]])]) == [e1])
        #expect(try s.latest(ReplacementKey(kind: 30617, pubkey: alice, d: "r")) == e2)
        #expect(try s.insert(gone) == .deleted)
    }

    @Test func benchmarksRunDeterministically() throws {
        let a = try EventStoreBench.insert(count: 300)
        let b = try EventStoreBench.insert(count: 300)
        #expect(try a.count() == b.count())
        #expect(try a.count() > 100)
        #expect(try a.query([Filter()]) == b.query([Filter()]))
        let qa = try EventStoreBench.query(a, count: 40)
        #expect(qa > 0)
        #expect(qa == (try EventStoreBench.query(b, count: 40)))
    }
}

@Suite struct TagsJSONTests {
    @Test func roundTripsAwkwardStrings() {
        let tags = [["e", "x"], [], ["q", "\"\\/\n\r\t\u{8}\u{c}\u{1}\u{1f}", "é😀"]]
        let text = TagsJSON.encode(tags)
        #expect(text.hasPrefix("[[\"e\",\"x\"],[],[\"q\",\"\\\"\\\\/\\n"))
        #expect(text.contains("\\u0001"))
        #expect(TagsJSON.decode(text) == tags)
        #expect(TagsJSON.decode("[[\"\\ud83d\\ude00\"]]") == [["😀"]])
        #expect(TagsJSON.decode("[[1]]") == nil)
        #expect(TagsJSON.decode("[[\"a\"]") == nil)
        #expect(TagsJSON.decode("[]") == [])
    }
}
