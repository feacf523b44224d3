import Testing

@testable import Nostr

@Suite struct NIP34Tests {
    static let owner = TestKeys.alice
    static func ev(_ kind: Int, _ tags: [[String]], content: String = "", key: KeyPair = owner) -> NostrEvent {
        NostrEvent.signed(
            kind: kind, tags: tags, content: content, createdAt: 1000, keyPair: key, auxRand: TestKeys.zeroAux)
    }

    @Test func announcementMultiValueTags() throws {
        let e = Self.ev(
            30617,
            [
                ["d", "grasp"], ["name", "Grasp"], ["description", "a relay"],
                ["clone", "https://a.example/npub/grasp.git", "https://b.example/npub/grasp.git"],
                ["clone", "https://c.example/npub/grasp.git"],
                ["relays", "wss://a.example", "wss://b.example"],
                ["maintainers", TestKeys.bob.publicKey, "cc" + String(repeating: "0", count: 62)],
                ["r", "deadbeef", "euc"], ["r", "other"], ["web", "https://a.example/grasp"],
            ])
        let a = try RepoAnnouncement(e)
        #expect(a.identifier == "grasp")
        #expect(a.name == "Grasp")
        #expect(a.description == "a relay")
        #expect(
            a.cloneURLs == [
                "https://a.example/npub/grasp.git", "https://b.example/npub/grasp.git",
                "https://c.example/npub/grasp.git",
            ])
        #expect(a.relayURLs == ["wss://a.example", "wss://b.example"])
        #expect(a.maintainers == [TestKeys.bob.publicKey, "cc" + String(repeating: "0", count: 62)])
        #expect(a.eucCommit == "deadbeef")
        #expect(a.webURLs == ["https://a.example/grasp"])
        #expect(a.owner == Self.owner.publicKey)
        #expect(a.coordinate == "30617:\(Self.owner.publicKey):grasp")
        #expect(a.key == e.replacementKey)
    }

    @Test func announcementErrors() {
        #expect(throws: NIP34Error.wrongKind(expected: [30617], got: 30618)) {
            try RepoAnnouncement(Self.ev(30618, [["d", "x"]]))
        }
        #expect(throws: NIP34Error.missingTag("d")) { try RepoAnnouncement(Self.ev(30617, [["clone", "u"]])) }
        #expect(throws: NIP34Error.missingTag("d")) { try RepoAnnouncement(Self.ev(30617, [["d", ""]])) }
        #expect((try? RepoAnnouncement(Self.ev(30617, [["d", "x"]])))?.eucCommit == nil)
    }

    @Test func stateIgnoresPeeledAndSorts() throws {
        let e = Self.ev(
            30618,
            [
                ["d", "grasp"],
                ["refs/tags/v1", "1111111111111111111111111111111111111111"],
                ["refs/tags/v1^{}", "2222222222222222222222222222222222222222"],
                ["refs/heads/main", "3333333333333333333333333333333333333333"],
                ["refs/heads/dev", "4444444444444444444444444444444444444444"],
                ["HEAD", "ref: refs/heads/main"],
                ["refs/heads/main", "5555555555555555555555555555555555555555"],  // repeated: first wins
                ["refs/broken"],  // no value: ignored
                ["not-a-ref", "x"],
            ])
        let s = try RepoState(e)
        #expect(s.identifier == "grasp")
        #expect(s.refs.map(\.name) == ["refs/heads/dev", "refs/heads/main", "refs/tags/v1"])
        #expect(
            s.refs.map(\.oid) == [
                "4444444444444444444444444444444444444444",
                "3333333333333333333333333333333333333333",
                "1111111111111111111111111111111111111111",
            ])
        #expect(!s.refs.contains { $0.name.hasSuffix("^{}") })
        #expect(s.head == "refs/heads/main")
        #expect(s.refMap["refs/tags/v1"] == "1111111111111111111111111111111111111111")
        #expect(s.branches.count == 2 && s.tags.count == 1)
        #expect(s.key == ReplacementKey(kind: 30618, pubkey: Self.owner.publicKey, d: "grasp"))
    }

    @Test func headForms() throws {
        #expect(
            try RepoState(Self.ev(30618, [["d", "r"], ["HEAD", "ref: refs/heads/trunk"]])).head == "refs/heads/trunk")
        #expect(try RepoState(Self.ev(30618, [["d", "r"], ["HEAD", "ref:  refs/heads/x "]])).head == "refs/heads/x")
        #expect(
            try RepoState(Self.ev(30618, [["d", "r"], ["HEAD", "3333333333333333333333333333333333333333"]])).head
                == nil)
        #expect(try RepoState(Self.ev(30618, [["d", "r"]])).head == nil)
        #expect(try RepoState(Self.ev(30618, [["d", "r"]])).refs.isEmpty)
        #expect(throws: NIP34Error.wrongKind(expected: [30618], got: 30617)) {
            try RepoState(Self.ev(30617, [["d", "r"]]))
        }
    }

    @Test func pullRequestAndUpdate() throws {
        let coord = repoCoordinate(owner: Self.owner.publicKey, identifier: "grasp")
        #expect(coord == "30617:\(Self.owner.publicKey):grasp")
        let pr = try PullRequest(
            Self.ev(
                1618,
                [
                    ["a", coord], ["c", "abc123"], ["clone", "https://x/a.git", "https://y/a.git"],
                    ["branch-name", "feature"], ["merge-base", "base1"], ["subject", "Add thing"],
                ], key: TestKeys.bob))
        #expect(pr.repoCoordinates == [coord])
        #expect(pr.repoKeys == [ReplacementKey(kind: 30617, pubkey: Self.owner.publicKey, d: "grasp")])
        #expect(pr.tipCommit == "abc123")
        #expect(pr.cloneURLs == ["https://x/a.git", "https://y/a.git"])
        #expect(pr.branchName == "feature")
        #expect(pr.mergeBase == "base1")
        #expect(pr.subject == "Add thing")

        let up = try PullRequestUpdate(
            Self.ev(1619, [["a", coord], ["E", pr.event.id], ["c", "def456"], ["clone", "https://x/a.git"]]))
        #expect(up.rootPullRequest == pr.event.id)
        #expect(up.tipCommit == "def456")
        #expect(up.cloneURLs == ["https://x/a.git"])
        #expect(up.repoKeys.count == 1)
        #expect(throws: NIP34Error.wrongKind(expected: [1618], got: 1619)) { try PullRequest(up.event) }
        #expect(throws: NIP34Error.wrongKind(expected: [1619], got: 1618)) { try PullRequestUpdate(pr.event) }
    }

    @Test func issueStatusDeletion() throws {
        let coord = repoCoordinate(owner: Self.owner.publicKey, identifier: "grasp")
        let issue = try GitIssue(Self.ev(1621, [["a", coord], ["subject", "It breaks"]]))
        #expect(issue.subject == "It breaks")
        #expect(issue.repoCoordinates == [coord])

        let rootID = issue.event.id
        let reply = String(repeating: "9", count: 64)
        for (kind, status) in [(1630, StatusEvent.Status.open), (1631, .applied), (1632, .closed), (1633, .draft)] {
            let s = try StatusEvent(
                Self.ev(kind, [["e", reply, "", "reply"], ["e", rootID, "", "root"], ["a", coord]]))
            #expect(s.status == status)
            #expect(s.kind == kind)
            #expect(s.root == rootID)
        }
        #expect(try StatusEvent(Self.ev(1630, [["e", reply]])).root == reply)  // unmarked: first e
        #expect(throws: NIP34Error.wrongKind(expected: [1630, 1631, 1632, 1633], got: 1634)) {
            try StatusEvent(Self.ev(1634, []))
        }

        let del = try DeletionRequest(
            Self.ev(5, [["e", rootID], ["a", coord], ["a", "garbage"], ["k", "1621"]], content: "oops"))
        #expect(del.eventIDs == [rootID])
        #expect(del.coordinates == [ReplacementKey(kind: 30617, pubkey: Self.owner.publicKey, d: "grasp")])
        #expect(del.reason == "oops")
        #expect(throws: NIP34Error.wrongKind(expected: [5], got: 1621)) { try DeletionRequest(issue.event) }
    }

    @Test func allTagValuesCollectsAcrossTags() {
        let e = Self.ev(1, [["clone", "a", "b"], ["x", "y"], ["clone"], ["clone", "c"]])
        #expect(e.allTagValues("clone") == ["a", "b", "c"])
        #expect(e.tagValues("clone") == ["a", "c"])
    }
}

/// Coordinates are built and read only in `Nostr`: the other modules call these.
@Suite struct RepoCoordinateTests {
    @Test func buildsAndReadsAnnouncementCoordinates() {
        let owner = String(repeating: "a", count: 64)
        let c = repoCoordinate(owner: owner, identifier: "my:repo")
        #expect(c == "30617:\(owner):my:repo")
        #expect(repoIdentifier(inCoordinate: c) == "my:repo")
        #expect(ReplacementKey(coordinate: c) == ReplacementKey(kind: 30617, pubkey: owner, d: "my:repo"))
        #expect(repoIdentifier(inCoordinate: "30618:\(owner):r") == nil, "a state's coordinate is not a repository's")
        #expect(repoIdentifier(inCoordinate: "30617:\(owner):") == nil)
        #expect(repoIdentifier(inCoordinate: "30617") == nil)
    }
}
