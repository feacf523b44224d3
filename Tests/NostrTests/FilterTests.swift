import Testing

@testable import Nostr

@Suite struct FilterMatchingTests {
    static func ev(_ kind: Int, _ createdAt: Int64, tags: [[String]] = [], key: KeyPair = TestKeys.alice) -> NostrEvent
    {
        NostrEvent.signed(
            kind: kind, tags: tags, content: "", createdAt: createdAt, keyPair: key, auxRand: TestKeys.zeroAux)
    }

    @Test func conditionsAND() {
        let e = Self.ev(1, 100, tags: [["e", "x"], ["p", "y"]])
        #expect(Filter().matches(e))
        #expect(Filter(ids: [e.id]).matches(e))
        #expect(!Filter(ids: [String(repeating: "0", count: 64)]).matches(e))
        #expect(Filter(authors: [TestKeys.alice.publicKey], kinds: [1]).matches(e))
        #expect(!Filter(authors: [TestKeys.alice.publicKey], kinds: [2]).matches(e))
        #expect(!Filter(authors: [TestKeys.bob.publicKey]).matches(e))
        #expect(Filter(since: 100, until: 100).matches(e))
        #expect(!Filter(since: 101).matches(e))
        #expect(!Filter(until: 99).matches(e))
        #expect(Filter(tags: ["e": ["x", "z"]]).matches(e))
        #expect(Filter(tags: ["e": ["x"], "p": ["y"]]).matches(e))
        #expect(!Filter(tags: ["e": ["x"], "p": ["nope"]]).matches(e))
        #expect(!Filter(tags: ["E": ["x"]]).matches(e))  // tag letters are case-sensitive
    }

    @Test func filtersOR() {
        let e = Self.ev(1, 100)
        #expect([Filter(kinds: [2]), Filter(kinds: [1])].matches(e))
        #expect(![Filter(kinds: [2]), Filter(kinds: [3])].matches(e))
        #expect(![Filter]().matches(e))
    }

    @Test func parsedFilterMatches() throws {
        let e = Self.ev(30617, 50, tags: [["d", "repo"]])
        #expect(try Filter.parse(json: ##"{"kinds":[30617],"#d":["repo"]}"##).matches(e))
        #expect(try !Filter.parse(json: ##"{"kinds":[30617],"#d":["other"]}"##).matches(e))
    }

    @Test func replaceableTieBreakLowestIDWins() {
        // Same kind/author/created_at, different content → different ids.
        let a = NostrEvent.signed(
            kind: 10002, content: "a", createdAt: 500, keyPair: TestKeys.alice, auxRand: TestKeys.zeroAux)
        let b = NostrEvent.signed(
            kind: 10002, content: "b", createdAt: 500, keyPair: TestKeys.alice, auxRand: TestKeys.zeroAux)
        #expect(a.replacementKey == b.replacementKey)
        let (low, high) = a.id < b.id ? (a, b) : (b, a)
        #expect(low.supersedes(high))
        #expect(!high.supersedes(low))
        let newer = NostrEvent.signed(
            kind: 10002, content: "c", createdAt: 501, keyPair: TestKeys.alice, auxRand: TestKeys.zeroAux)
        #expect(newer.supersedes(low) && newer.supersedes(high))
        #expect(!low.supersedes(newer))
        // Query order: newest first, ties by lowest id.
        #expect([high, newer, low].sorted(by: queryOrder).map(\.id) == [newer.id, low.id, high.id])
    }

    @Test func replacementKeys() {
        let addr = Self.ev(30617, 1, tags: [["d", "repo"]])
        #expect(addr.replacementKey == ReplacementKey(kind: 30617, pubkey: TestKeys.alice.publicKey, d: "repo"))
        #expect(addr.replacementKey?.description == repoCoordinate(owner: TestKeys.alice.publicKey, identifier: "repo"))
        #expect(Self.ev(30000, 1).replacementKey?.d == "")
        #expect(Self.ev(0, 1).replacementKey == ReplacementKey(kind: 0, pubkey: TestKeys.alice.publicKey, d: ""))
        #expect(Self.ev(1, 1).replacementKey == nil)
        #expect(Self.ev(20001, 1).replacementKey == nil)
        let coord = "30617:\(TestKeys.alice.publicKey):a:b"
        #expect(ReplacementKey(coordinate: coord)?.d == "a:b")
        #expect(ReplacementKey(coordinate: "x:y:z") == nil)
    }

    @Test(arguments: [
        (0, KindClass.replaceable), (1, .regular), (2, .regular), (3, .replaceable), (4, .regular), (44, .regular),
        (45, .regular), (999, .regular), (1000, .regular), (9999, .regular),
        (9_999, .regular), (10_000, .replaceable), (19_999, .replaceable), (20_000, .ephemeral),
        (29_999, .ephemeral), (30_000, .addressable), (39_999, .addressable), (40_000, .regular),
        (30617, .addressable), (30618, .addressable), (1618, .regular), (5, .regular),
    ])
    func kindClassBoundaries(kind: Int, expected: KindClass) {
        #expect(KindClass(kind) == expected)
    }
}
