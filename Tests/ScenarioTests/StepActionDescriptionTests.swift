import Foundation
import SimKernel
import Testing

@testable import Scenario

/// Each step action is described once (`Sources/Scenario/Steps/`): the schema, the decoder
/// and the writer read that description.
@Suite struct StepActionDescriptionTests {
    @Test func theSchemaListsEveryActionWithItsMeaning() throws {
        let schema = try FaultDescriptionTests.schema()
        let defs = try #require(schema["$defs"] as? [String: Any])
        let body = try #require(defs["stepBody"] as? [String: Any])
        let properties = try #require(body["properties"] as? [String: [String: Any]])
        let stepKeys: Set = ["id", "at", "after", "delay", "actor", "retry", "by", "via"]
        #expect(Set(properties.keys).subtracting(stepKeys) == Set(StepAction.descriptions.map(\.keyword)))
        for d in StepAction.descriptions {
            #expect(properties[d.keyword]?["description"] as? String == d.meaning, "\(d.keyword)")
        }
        let oneOf = try #require(body["oneOf"] as? [[String: [String]]])
        #expect(oneOf.compactMap { $0["required"]?.first } == StepAction.descriptions.map(\.keyword))
    }

    /// One of each action (with the step keys some carry), written and read back.
    static let samples: [(StepAction, [String])] = [
        (.announce(repo: "r", maintainers: ["bob"], listsService: false), ["mirror.example"]),
        (.announce(repo: "r", maintainers: nil, listsService: true), []),
        (
            .state(
                repo: "r", refs: [RefSpec(ref: "refs/heads/main", commit: "c1")], head: "refs/heads/main", peeled: true),
            []
        ),
        (.push(repo: "r", owner: "bob", refs: [RefSpec(ref: "refs/heads/main", commit: "c1")]), []),
        (.pullRequest(repo: "r", pr: "s", commit: "c1"), ["mirror.example"]),
        (.pushPR(repo: "r", pr: "pr", commit: "c1", rawRef: "refs/nostr/x"), []),
        (.issue(repo: "r", subject: "a \"bug\""), []),
        (.delete(targets: ["st", "pr"], byCoordinate: false), []),
        (.delete(targets: ["st"], byCoordinate: true), []),
        (.replay(target: "st"), []),
        (.clone(repo: "r", owner: "bob"), []),
        (.shutdown(relay: "relay"), []), (.crash(relay: "relay"), []), (.restart(relay: "relay"), []),
        (.reconcile(repo: "r", relay: "relay"), []),
    ]

    @Test func everyActionHasASample() {
        #expect(Set(Self.samples.map(\.0.keyword)) == Set(StepAction.descriptions.map(\.keyword)))
    }

    @Test(arguments: samples.indices)
    func writtenAndReadBack(_ i: Int) throws {
        let (action, cloneDomains) = Self.samples[i]
        let step = StepSpec(
            id: "s", actor: action.isLifecycle ? "" : "alice", timing: .at(Time.s(5)), action: action,
            cloneDomains: cloneDomains, location: .unknown)
        let yaml = """
            name: roundtrip
            duration: 30m
            actors: [alice, bob]
            relays: [relay]
            remotes: [{ domain: up.example }, { domain: mirror.example }]
            repos:
              - { name: r, owner: alice, upstream: { domain: up.example }, commits: [{ name: c1, files: { f: "1" } }] }
            steps:
              - { id: st, at: 1s, actor: alice, state: { repo: r, refs: { refs/heads/main: c1 }, head: refs/heads/main } }
              - { id: pr, at: 2s, actor: alice, pull_request: { repo: r, commit: c1 } }
              - \(ScenarioWriter.step(step, step.timing))

            """
        let s = try ScenarioLoader.parse(yaml: yaml, file: "roundtrip.yaml")
        let back = try #require(s.steps.last)
        var expected = action
        if case .pullRequest(let repo, _, let commit) = action {
            expected = .pullRequest(repo: repo, pr: "s", commit: commit)
        }
        #expect(back.action == expected)
        #expect(back.cloneDomains == cloneDomains)
    }
}
