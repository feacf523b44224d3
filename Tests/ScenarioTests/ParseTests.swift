import Foundation
import SimKernel
import Testing

@testable import Scenario

@Suite struct ParsingValidFiles {
    @Test func referenceExampleDecodesEveryField() throws {
        let path = examplesDirectory + "/reference.yaml"
        let s = try ScenarioLoader.load(path: path)
        #expect(s.name == "reference-every-key")
        #expect(s.file == path)
        #expect(s.description.hasPrefix("Announce, state, push"))
        #expect(s.duration == Time.min(60))
        #expect(s.healAt == Time.min(40))
        #expect(s.quiescenceBound == Time.min(35))
        #expect(s.config.map(\.key) == ["purgatory_ttl", "accept_orphans", "sweep_interval"])
        #expect(s.config.map(\.value) == ["30m", "false", "60s"])
        #expect(s.config[1].location.line == 10)

        #expect(s.relays.map(\.name) == ["relay", "mirror"])
        #expect(s.relays.map(\.domain) == ["relay.test", "mirror.test"])
        #expect(s.relays.map(\.replicas) == [2, 1])
        #expect(s.actors.map(\.name) == ["alice", "bob", "carol"])
        #expect(s.actors.map(\.relay) == [nil, "relay", "mirror"])
        #expect(s.actors[0].location.line == 16 && s.actors[0].location.column == 5)
        #expect(s.network == LinkSpec(latencyMin: Time.ms(5), latencyMax: Time.ms(80), loss: 0.01))

        #expect(s.repos.count == 2)
        let web = s.repos[0]
        #expect(web.name == "web" && web.identifier == "web" && web.owner == "alice" && web.maintainers == ["bob"])
        #expect(web.commits.map(\.name) == ["c1", "c2", "c3"])
        #expect(web.commits[1].parents == ["c1"])
        #expect(web.commits[1].files == ["README.md": "v2", "src/main.c": "int main(void) { return 0; }"])
        #expect(web.commits[2].files.isEmpty)
        #expect(s.repos[1].name == "bobs-web" && s.repos[1].identifier == "web" && s.repos[1].owner == "bob")

        #expect(s.steps.count == 18)
        #expect(
            s.steps.map(\.id) == [
                "ann", "ann-bob", "st", "p1", "pr1", "step6", "step7", "bug", "step9",
                "step10", "step11", "step12", "step13", "step14", "step15", "step16",
                "st2", "p2",
            ])
        #expect(s.steps[0].timing == .at(0))
        #expect(s.steps[0].action == .announce(repo: "web", maintainers: nil, listsService: true))
        #expect(s.steps[1].timing == .between(0, Time.s(10)))
        #expect(s.steps[1].action == .announce(repo: "bobs-web", maintainers: ["alice"], listsService: true))
        #expect(
            s.steps[2].action
                == .state(
                    repo: "web",
                    refs: [
                        RefSpec(ref: "refs/heads/main", commit: "c2"),
                        RefSpec(ref: "refs/tags/v1", commit: "c1", annotatedTag: true),
                    ], head: "refs/heads/main", peeled: true))
        #expect(s.steps[2].retry == RetrySpec(every: Time.s(30), giveUpAfter: Time.min(10)))
        #expect(s.steps[2].location.line == 45 && s.steps[2].location.column == 5)
        #expect(s.steps[3].timing == .after(step: "st", lo: 0, hi: Time.min(2)))
        #expect(
            s.steps[3].action
                == .push(
                    repo: "web", owner: "alice",
                    refs: [
                        RefSpec(ref: "refs/heads/main", commit: "c2"),
                        RefSpec(ref: "refs/tags/v1", commit: "c1", annotatedTag: true),
                        RefSpec(ref: "refs/heads/old", commit: nil),
                    ]))
        #expect(s.steps[4].action == .pullRequest(repo: "web", pr: "pr1", commit: "c3"))
        #expect(s.steps[5].action == .pushPR(repo: "web", pr: "pr1", commit: "c3", rawRef: nil))
        #expect(s.steps[6].action == .pushPR(repo: "web", pr: "pr1", commit: "c3", rawRef: "refs/nostr/not-an-id"))
        #expect(s.steps[6].timing == .at(Time.s(150)))
        #expect(s.steps[7].action == .issue(repo: "web", subject: "clone fails: \"not found\""))
        #expect(s.steps[8].action == .delete(targets: ["bug"], byCoordinate: false))
        #expect(s.steps[9].action == .delete(targets: ["ann-bob"], byCoordinate: true))
        #expect(s.steps[10].action == .clone(repo: "web", owner: nil))
        #expect(s.steps[10].actor == "carol")
        #expect(s.steps[11].action == .clone(repo: "bobs-web", owner: "bob"))
        #expect(s.steps[12].action == .shutdown(relay: "mirror") && s.steps[12].actor == "")
        #expect(s.steps[13].action == .restart(relay: "mirror"))
        #expect(s.steps[14].action == .crash(relay: "relay#1"))
        #expect(s.steps[16].timing == .between(Time.min(10), Time.min(15)))
        #expect(s.steps[17].timing == .between(Time.min(10), Time.min(15)))
        #expect(
            s.steps[17].action == .push(repo: "web", owner: nil, refs: [RefSpec(ref: "refs/heads/main", commit: "c3")]))

        #expect(s.faults.count == 7)
        #expect(s.faults[0].kind == .partition(["alice"], ["relay"]))
        #expect(s.faults[0].timing == .at(Time.min(1)) && s.faults[0].duration == Time.s(30))
        #expect(s.faults[1].kind == .oneWay(from: "relay", to: "bob"))
        #expect(s.faults[1].timing == .between(Time.min(2), Time.min(4)))
        #expect(s.faults[2].kind == .clog(from: "alice", to: "relay#0"))
        #expect(s.faults[3].kind == .pause("relay#1"))
        #expect(s.faults[4].kind == .crash("mirror"))
        #expect(s.faults[4].timing == .after(step: "p1", lo: Time.s(5), hi: Time.s(10)))
        // Unset link fields inherit the scenario's network.
        #expect(
            s.faults[5].kind
                == .link(
                    from: "alice", to: "relay",
                    LinkSpec(latencyMin: Time.ms(200), latencyMax: Time.ms(200), loss: 0.2)))
        #expect(s.faults[5].duration == nil)
        #expect(s.faults[6].kind == .skew("relay#0", skew: -Time.s(3), driftPPM: 200))

        let rf = try #require(s.randomFaults)
        #expect(rf.kinds == ["partition", "pause", "crash", "clog", "loss"])
        #expect(rf.perHour == 6 && rf.start == 0 && rf.end == Time.min(30))
        #expect(rf.minDuration == Time.s(5) && rf.maxDuration == Time.min(2))

        #expect(
            s.expectations.map(\.kind) == [
                .served(step: "ann", by: nil),
                .served(step: "st", by: Time.min(10)),
                .notServed(step: "bug"),
                .accepted(step: "p1"),
                .rejected(step: "p2", reason: "no state events"),
                .expired(step: "st2", lo: Time.min(30), hi: Time.min(32)),
                .refs(
                    repo: "web", owner: "alice",
                    refs: [
                        RefSpec(ref: "refs/heads/main", commit: "c2"),
                        RefSpec(ref: "refs/tags/v1", commit: "c1", annotatedTag: true),
                    ]),
                .head(repo: "web", owner: nil, ref: "refs/heads/main"),
                .repoAbsent(repo: "bobs-web", owner: "bob"),
            ])
        #expect(s.invariants == [.servedHasGitData, .singleWriter, .expectations])
    }

    @Test func minimalFileGetsTheDefaults() throws {
        let s = try #require(parsed("name: tiny\n"))
        #expect(s.name == "tiny")
        #expect(s.duration == Time.min(60))
        #expect(s.healAt == nil)
        #expect(s.quiescenceBound == Time.min(35))
        #expect(s.relays.count == 1)
        #expect(
            s.relays.first?.name == "relay" && s.relays.first?.domain == "relay.test" && s.relays.first?.replicas == 1)
        #expect(s.network == LinkSpec())
        #expect(s.actors.isEmpty && s.repos.isEmpty && s.steps.isEmpty && s.faults.isEmpty)
        #expect(s.randomFaults == nil && s.expectations.isEmpty && s.invariants.isEmpty)
    }

    @Test func shorthandsAndDefaults() throws {
        let s = try #require(
            parsed(
                """
                name: shorthands
                relays: [hub]
                actors: [alice]
                network: { latency: 20ms }
                repos:
                  - { name: r, owner: alice, commits: [{ name: a }, { name: b, parents: a }] }
                steps:
                  - { at: 0, actor: alice, announce: r }
                  - { at: 1s, actor: alice, issue: r }
                  - { at: 1s, actor: alice, delete: step2 }
                  - { at: 2s, actor: alice, push: { repo: r, refs: { refs/heads/main: b } } }
                  - { at: 3s, restart: hub }
                faults:
                  - { at: 0s, link: { from: alice, to: hub, loss: 0.5 } }
                random_faults: { kinds: [pause], per_hour: 1.5 }
                expect:
                  - repo_absent: r
                  - rejected: step4
                  - expired: step1
                """))
        #expect(s.relays.map(\.domain) == ["hub.test"])
        #expect(s.network.latencyMin == Time.ms(20) && s.network.latencyMax == Time.ms(20))
        #expect(s.repos[0].identifier == "r")
        #expect(s.repos[0].commits[1].parents == ["a"])
        #expect(s.steps[1].action == .issue(repo: "r", subject: ""))
        #expect(s.steps[2].action == .delete(targets: ["step2"], byCoordinate: false))
        #expect(s.steps[4].actor == "")
        #expect(
            s.faults[0].kind
                == .link(
                    from: "alice", to: "hub",
                    LinkSpec(latencyMin: Time.ms(20), latencyMax: Time.ms(20), loss: 0.5)))
        let rf = try #require(s.randomFaults)
        // Window defaults to the whole run (or up to heal_at), durations to 1s..1m.
        #expect(rf.start == 0 && rf.end == Time.min(60) && rf.minDuration == Time.s(1) && rf.maxDuration == Time.min(1))
        #expect(rf.perHour == 1.5)
        #expect(
            s.expectations.map(\.kind) == [
                .repoAbsent(repo: "r", owner: nil), .rejected(step: "step4", reason: nil),
                .expired(step: "step1", lo: nil, hi: nil),
            ])
    }

    @Test func groupsFlattenAndNumberStepsByPosition() throws {
        let s = try #require(
            parsed(
                """
                name: groups
                actors: [a]
                repos: [{ name: r, owner: a }]
                steps:
                  - { at: 0s, actor: a, announce: r }
                  - group: { within: 1m..2m }
                    steps:
                      - { actor: a, issue: r }
                      - { id: named, actor: a, issue: r }
                  - { after: named, actor: a, issue: r }
                """))
        #expect(s.steps.map(\.id) == ["step1", "step2", "named", "step4"])
        #expect(s.steps[1].timing == .between(Time.min(1), Time.min(2)))
        #expect(s.steps[2].timing == .between(Time.min(1), Time.min(2)))
        #expect(s.steps[3].timing == .after(step: "named", lo: 0, hi: 0))
    }

    @Test(arguments: [
        ("0", Int64(0)), ("0s", 0), ("250ms", 250_000_000), ("30s", 30_000_000_000), ("5m", 300_000_000_000),
        ("2h", 7_200_000_000_000), ("1h30m", 5_400_000_000_000), ("1m30s250ms", 90_250_000_000),
        ("17ns", 17), ("3us", 3_000), ("90s", 90_000_000_000),
    ])
    func durationsParse(text: String, value: Int64) {
        #expect(DurationText.parse(text) == Time.ns(value))
        #expect(DurationText.parse(DurationText.format(Time.ns(value))) == Time.ns(value))
    }

    @Test(arguments: [
        "", "5", "1,5s", "1.s", ".5s", "5 minutes", "30m1h", "1m1m", "-3s", "3w", "s", "1h-5m", "ms5", "+5s",
    ])
    func nonDurationsAreRejected(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func durationFormatIsShortAndExact() {
        #expect(DurationText.format(0) == "0s")
        #expect(DurationText.format(Time.s(90)) == "1m30s")
        #expect(DurationText.format(Time.min(120) + 17) == "2h17ns")
        #expect(DurationText.format(-Time.s(3)) == "-3s")
        #expect(DurationText.parse("-3s", allowNegative: true) == -Time.s(3))
        var rng = Xoshiro256StarStar(seed: 7)
        for _ in 0..<1000 {
            let d = rng.duration(in: -Time.hour * 100...Time.hour * 100)
            #expect(DurationText.parse(DurationText.format(d), allowNegative: true) == d)
        }
    }

    @Test func loadAllExpandsDirectoriesInSortedOrder() throws {
        let dir = try scratchDirectory("loadAll")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        try "name: b\n".write(toFile: dir + "/b.yaml", atomically: true, encoding: .utf8)
        try "name: a\n".write(toFile: dir + "/sub/a.yml", atomically: true, encoding: .utf8)
        try "name: c\n".write(toFile: dir + "/a.yaml", atomically: true, encoding: .utf8)
        try "not a scenario".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        try "name: b\n".write(toFile: dir + "/sub/dup.yaml", atomically: true, encoding: .utf8)
        try "name: [broken\n".write(toFile: dir + "/sub/z.yaml", atomically: true, encoding: .utf8)

        let result = ScenarioLoader.loadAll(paths: [dir, dir + "/b.yaml", dir + "/missing.yaml"])
        // a.yaml, b.yaml, sub/a.yml, sub/dup.yaml (same name as b.yaml), sub/z.yaml (broken).
        #expect(result.scenarios.map(\.name) == ["c", "b", "a"])
        #expect(result.scenarios.map(\.file) == [dir + "/a.yaml", dir + "/b.yaml", dir + "/sub/a.yml"])
        #expect(result.errors.count == 3)
        let messages = result.errors.map(\.description)
        #expect(messages.contains(where: { $0.hasPrefix(dir + "/missing.yaml:1:1: error: no such file") }))
        #expect(
            messages.contains(where: {
                $0.hasPrefix(dir + "/sub/dup.yaml:1:7: error: scenario name 'b' is already used by \(dir)/b.yaml")
            }))
        #expect(messages.contains(where: { $0.hasPrefix(dir + "/sub/z.yaml:2:1: error: invalid YAML") }))
    }

    @Test func examplesFolderLoadsCleanly() {
        let result = ScenarioLoader.loadAll(paths: [examplesDirectory])
        #expect(result.errors.isEmpty, "\(result.errors.map(\.description).joined(separator: "\n"))")
        #expect(result.scenarios.count >= 2)
    }
}
