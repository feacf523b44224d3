import Testing

@testable import Nostr

/// NIP-34 and NIP-09 events are built only by `EventDraft`; each draft reads back through
/// the protocol's own views with what it was built from.
@Suite struct EventDraftTests {
    static func sign(_ d: EventDraft) -> NostrEvent {
        d.signed(createdAt: 1000, keyPair: TestKeys.alice, auxRand: TestKeys.zeroAux)
    }

    @Test func announcementReadsBack() throws {
        let e = Self.sign(
            .repoAnnouncement(
                identifier: "grasp", cloneURLs: ["https://a.example/x/grasp.git", "https://b.example/x/grasp.git"],
                relays: ["wss://a.example"], maintainers: [TestKeys.bob.publicKey]))
        try e.validate()
        let a = try RepoAnnouncement(e)
        #expect(a.identifier == "grasp" && a.name == "grasp")
        #expect(a.cloneURLs == ["https://a.example/x/grasp.git", "https://b.example/x/grasp.git"])
        #expect(a.relayURLs == ["wss://a.example"] && a.maintainers == [TestKeys.bob.publicKey])
        // No maintainers: no empty `maintainers` tag.
        let plain = EventDraft.repoAnnouncement(identifier: "g", cloneURLs: ["u"], relays: ["r"])
        #expect(!plain.tags.contains { $0.first == "maintainers" })
    }

    @Test func stateReadsBackInOrder() throws {
        let c1 = String(repeating: "a", count: 40)
        let t1 = String(repeating: "b", count: 40)
        let refs = [("refs/heads/main", c1), ("refs/tags/v1", t1), ("refs/tags/v1^{}", c1)]
        let draft = EventDraft.repoState(identifier: "grasp", refs: refs.map { ($0.0, $0.1) }, head: "refs/heads/main")
        #expect(draft.tags.map { $0[0] } == ["d", "refs/heads/main", "refs/tags/v1", "refs/tags/v1^{}", "HEAD"])
        let s = try RepoState(Self.sign(draft))
        #expect(s.identifier == "grasp" && s.head == "refs/heads/main")
        #expect(s.refs.map(\.name) == ["refs/heads/main", "refs/tags/v1"])  // peeled entries are not refs
        #expect(s.refMap == ["refs/heads/main": c1, "refs/tags/v1": t1])
        let headless = EventDraft.repoState(identifier: "g", refs: [], head: nil)
        #expect(headless.tags == [["d", "g"]])
    }

    @Test func pullRequestIssueAndDeletionReadBack() throws {
        let owner = TestKeys.bob.publicKey
        let tip = String(repeating: "c", count: 40)
        let pr = try PullRequest(
            Self.sign(
                .pullRequest(repoOwner: owner, identifier: "g", tip: tip, cloneURLs: ["https://h/x"], subject: "s")))
        #expect(pr.repoCoordinates == [repoCoordinate(owner: owner, identifier: "g")])
        #expect(pr.tipCommit == tip && pr.cloneURLs == ["https://h/x"] && pr.subject == "s")
        let issue = try GitIssue(Self.sign(.issue(repoOwner: owner, identifier: "g", subject: "bug")))
        #expect(issue.repoCoordinates == [repoCoordinate(owner: owner, identifier: "g")] && issue.subject == "bug")
        #expect(issue.event.content == "bug")
        let key = ReplacementKey(kind: Kinds.repoState, pubkey: owner, d: "g")
        let del = try DeletionRequest(
            Self.sign(.deletion([.event(id: tip, kind: Kinds.issue), .coordinate(key.description, kind: key.kind)])))
        #expect(del.eventIDs == [tip] && del.coordinates == [key])
        #expect(del.event.tagValues("k") == ["1621", "30618"])
    }
}
