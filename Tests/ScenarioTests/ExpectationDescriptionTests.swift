import Foundation
import SimKernel
import Testing

@testable import Scenario

/// Each expectation kind is described once (`Sources/Scenario/Expectations/`): the schema,
/// the decoder, the writer and the judgement of a run all read that description.
@Suite struct ExpectationDescriptionTests {
    @Test func theSchemaListsEveryKindWithItsMeaning() throws {
        let schema = try FaultDescriptionTests.schema()
        let defs = try #require(schema["$defs"] as? [String: Any])
        let expectation = try #require(defs["expectation"] as? [String: Any])
        let properties = try #require(expectation["properties"] as? [String: [String: Any]])
        #expect(Set(properties.keys) == Set(ExpectationKind.descriptions.map(\.keyword)))
        for d in ExpectationKind.descriptions {
            #expect(properties[d.keyword]?["description"] as? String == d.meaning, "\(d.keyword)")
        }
        let outcomes = (properties["reconciled"]?["properties"] as? [String: [String: Any]])?["outcome"]?["enum"]
        #expect(outcomes as? [String] == ReconcileOutcomeName.all)
    }

    /// One of each kind, and the run facts that meet it.
    static let samples: [ExpectationKind] = [
        .served(step: "st", by: Time.s(30)), .notServed(step: "st"), .accepted(step: "p"),
        .rejected(step: "p", reason: "locked"), .expired(step: "st", lo: Time.s(10), hi: Time.min(20)),
        .refs(repo: "r", owner: nil, refs: [RefSpec(ref: "refs/heads/main", commit: "c1")]),
        .head(repo: "r", owner: "bob", ref: "refs/heads/main"), .repoAbsent(repo: "r", owner: nil),
        .reconciled(repo: "r", outcome: "fast-forwarded"),
        .remoteRefs(
            domain: "up.example", repo: "r",
            refs: [RefSpec(ref: "refs/heads/main", commit: "c1"), RefSpec(ref: "refs/heads/conflicts/*", commit: "c1")]),
        .syncFetches(repo: "r", min: 1, max: 3),
    ]

    @Test func everyKindHasASample() {
        #expect(Set(Self.samples.map(\.keyword)) == Set(ExpectationKind.descriptions.map(\.keyword)))
    }

    @Test(arguments: samples)
    func writtenAndReadBack(_ kind: ExpectationKind) throws {
        let yaml = """
            name: roundtrip
            duration: 30m
            actors: [alice, bob]
            relays: [relay]
            remotes: [{ domain: up.example }]
            repos:
              - { name: r, owner: alice, upstream: { domain: up.example }, commits: [{ name: c1, files: { f: "1" } }] }
            steps:
              - { id: st, at: 1s, actor: alice, state: { repo: r, refs: { refs/heads/main: c1 }, head: refs/heads/main } }
              - { id: p, at: 2s, actor: alice, push: { repo: r, refs: { refs/heads/main: c1 } } }
            expect:
              - \(ScenarioWriter.expectation(kind))

            """
        let s = try ScenarioLoader.parse(yaml: yaml, file: "roundtrip.yaml")
        #expect(s.expectations.map(\.kind) == [kind])
    }

    /// Every kind is met by the facts that fit it and unmet once one fact is off.
    @Test(arguments: samples)
    func judgedFromTheFacts(_ kind: ExpectationKind) {
        #expect(kind.unmet(in: FakeRun.meeting(kind.keyword)) == nil, "\(kind.keyword)")
        let broken = FakeRun.breaking(kind.keyword)
        let why = kind.unmet(in: broken)
        #expect(why != nil, "\(kind.keyword) was met by \(broken)")
        #expect(why?.hasPrefix("expected") == true, "\(why ?? "")")
    }
}

/// Run facts set by hand: `meeting(k)` fits the sample of kind `k`; `breaking(k)` changes
/// the one fact it asks about.
struct FakeRun: RunFacts {
    var published: [String: String] = ["st": "e1"]
    var served: [String: SimTime] = [:]
    var expired: [String: SimTime] = ["e1": SimTime.minutes(5)]
    var outcomes: [String: (Bool, String)] = ["p": (true, "ok")]
    var hosted: [String: String]? = ["refs/heads/main": FakeRun.c1]
    var hostedHead: String? = nil
    var reconciliation: String? = "fast-forwarded"
    var remote: [String: String] = ["refs/heads/main": FakeRun.c1, "refs/heads/conflicts/1": FakeRun.c1]
    var fetches = 2

    static let c1 = String(repeating: "c1", count: 20)

    /// Samples of opposite kinds (served and not_served, accepted and rejected, head and
    /// repo_absent) need opposite facts.
    static func meeting(_ keyword: String) -> FakeRun {
        var r = FakeRun()
        switch keyword {
        case "served": r.served = ["e1": SimTime.seconds(3)]
        case "rejected": r.outcomes = ["p": (false, "error: locked")]
        case "head": r.hostedHead = "refs/heads/main"
        default: break
        }
        return r
    }

    static func breaking(_ keyword: String) -> FakeRun {
        var r = meeting(keyword)
        switch keyword {
        case "served": r.served = ["e1": SimTime.minutes(1)]
        case "not_served": r.served = ["e1": SimTime.seconds(3)]
        case "accepted": r.outcomes = ["p": (false, "error: locked")]
        case "rejected": r.outcomes = ["p": (false, "error: no")]
        case "expired": r.expired = ["e1": SimTime.seconds(5)]
        case "refs": r.hosted = ["refs/heads/main": String(repeating: "0", count: 40)]
        case "head": r.hostedHead = "refs/heads/other"
        case "repo_absent": r.hostedHead = "refs/heads/main"
        case "reconciled": r.reconciliation = "rebased"
        case "remote_refs": r.remote["refs/heads/conflicts/2"] = FakeRun.c1
        case "sync_fetches": r.fetches = 4
        default: Issue.record("no broken facts for \(keyword)")
        }
        return r
    }

    func publishedEventID(step: String) -> String? { published[step] }
    func servedTime(eventID: String) -> SimTime? { served[eventID] }
    func expiryTime(eventID: String) -> SimTime? { expired[eventID] }
    func outcome(step: String) -> (accepted: Bool, message: String)? { outcomes[step].map { ($0.0, $0.1) } }
    func hostedRefs(repo: String, owner: String?) -> [String: String]? { hosted }
    func head(repo: String, owner: String?) -> String? { hostedHead }
    func lastReconciliation(repo: String) -> String? { reconciliation }
    func remoteRefs(domain: String, repo: String) -> [String: String] { remote }
    func syncFetches(repo: String) -> Int { fetches }
    func target(repo: String, _ ref: RefSpec) -> String? { ref.commit == "c1" ? FakeRun.c1 : nil }
}
