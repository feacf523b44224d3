import Checks
import Foundation
import Harness
import Nostr
import Scenario
import SimKernel
import Testing

/// `ok-names-sent-event` holds on the reference (the shipped suite runs it) and trips on a
/// history where a relay answers an OK with an id the client never sent.
@Suite struct OKNamesSentEventTests {
    static let sent = NostrEvent(
        id: String(repeating: "1", count: 64), pubkey: String(repeating: "a", count: 64),
        createdAt: 0, kind: 1, tags: [], content: "", sig: "")

    func judge(_ answers: [String]) throws -> [Violation] {
        let s = try ScenarioLoader.load(path: RangeTests.root + "/Scenarios/arrival/01-announce-state-push.yaml")
        let (_, w) = try Runner.runOne(s, seed: 1, options: RunOptions())
        defer { w.recycle() }
        let suite = CheckSuite(selected: [.okNamesSentEvent])
        suite.observe(
            HistoryEntry(time: 1, item: .published(step: "s", actor: "alice", event: Self.sent, attempt: 1)), w)
        for (i, id) in answers.enumerated() {
            suite.observe(
                HistoryEntry(
                    time: SimTime(nanoseconds: Int64(2 + i)),
                    item: .clientReceived(actor: "alice", .ok(eventID: id, accepted: true, message: ""))), w)
        }
        return suite.violations
    }

    @Test func anOKForTheSentEventHolds() throws {
        #expect(try judge([Self.sent.id, Self.sent.id]).isEmpty)
    }

    @Test func anOKForAnotherEventTrips() throws {
        let other = String(repeating: "2", count: 64)
        let violations = try judge([Self.sent.id, other])
        #expect(violations.map(\.invariant) == [.okNamesSentEvent])
        #expect(violations.first?.message.contains("an event alice never sent") == true)
    }

    @Test func anotherClientsEventTrips() throws {
        let s = try ScenarioLoader.load(path: RangeTests.root + "/Scenarios/arrival/01-announce-state-push.yaml")
        let (_, w) = try Runner.runOne(s, seed: 1, options: RunOptions())
        defer { w.recycle() }
        let suite = CheckSuite(selected: [.okNamesSentEvent])
        suite.observe(
            HistoryEntry(time: 1, item: .published(step: "s", actor: "alice", event: Self.sent, attempt: 1)), w)
        suite.observe(
            HistoryEntry(
                time: 2, item: .clientReceived(actor: "bob", .ok(eventID: Self.sent.id, accepted: true, message: ""))),
            w)
        #expect(suite.violations.map(\.invariant) == [.okNamesSentEvent])
    }
}
