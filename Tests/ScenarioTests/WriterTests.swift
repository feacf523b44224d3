import Foundation
import SimKernel
import Testing

@testable import Scenario

@Suite struct Writing {
    func reference() throws -> Scenario {
        try ScenarioLoader.load(path: examplesDirectory + "/reference.yaml")
    }

    @Test func roundTripWithoutSchedule() throws {
        let s = try reference()
        let text = ScenarioWriter.yaml(s, schedule: nil)
        let back = try ScenarioLoader.parse(yaml: text, file: s.file)
        expectSameContent(s, back)
        // Writing is a fixed point after one round.
        #expect(ScenarioWriter.yaml(back, schedule: nil) == text)
    }

    @Test func roundTripOfTheRandomScenario() throws {
        let s = try #require(parsed(randomScenario))
        let back = try #require(parsed(ScenarioWriter.yaml(s, schedule: nil)))
        expectSameContent(s, back)
        for seed: UInt64 in 0..<5 {
            #expect(s.materialize(seed: seed).withoutLocations() == back.materialize(seed: seed).withoutLocations())
        }
    }

    @Test func scheduledFileFixesEveryTime() throws {
        let s = try reference()
        for seed: UInt64 in [1, 2, 3] {
            let schedule = s.materialize(seed: seed)
            let text = ScenarioWriter.yaml(s, schedule: schedule)
            let fixed = try ScenarioLoader.parse(yaml: text, file: "fixed.yaml")
            #expect(!text.contains("random_faults"))
            #expect(fixed.randomFaults == nil)
            #expect(fixed.steps.map(\.id) == schedule.steps.map(\.step.id))
            #expect(fixed.steps.map(\.timing) == schedule.steps.map { .at($0.time.sinceStart) })
            #expect(fixed.faults.count == schedule.faults.count)
            #expect(fixed.faults.map(\.timing) == schedule.faults.map { .at($0.start.sinceStart) })
            // Everything else is unchanged.
            #expect(fixed.withoutLocations().repos == s.withoutLocations().repos)
            #expect(fixed.expectations.map(\.kind) == s.expectations.map(\.kind))
            #expect(fixed.steps.map(\.action) == schedule.steps.map(\.step.action))
            // Any seed now gives the same schedule, and it is the one that was written.
            var rng = CountingRNG(seed: 99)
            let again = fixed.materialize(rng: &rng)
            #expect(rng.draws == 0)
            #expect(again.steps.map(\.step.id) == schedule.steps.map(\.step.id))
            #expect(again.steps.map(\.time) == schedule.steps.map(\.time))
            #expect(again.withoutLocations().faults == schedule.withoutLocations().faults)
        }
    }

    @Test func awkwardTextSurvives() throws {
        let s = try #require(
            parsed(
                """
                name: "odd: names, # and quotes"
                description: "line one\\nline \\"two\\"\\ttabbed — ünïcode"
                config: { "strange key": "a, b: c", retries: 3, ratio: 0.25, flag: true, empty: "", neg: -5 }
                actors: ["1", "true", x]
                repos:
                  - name: r
                    identifier: "id.with-dots_1"
                    owner: "1"
                    commits:
                      - { name: "null", files: { "dir with space/a b.txt": "x: y\\n- z", "#hash": "", "é.md": "\\u0001ctl" } }
                steps:
                  - { id: "2", at: 0s, actor: "true", issue: { repo: r, subject: "[brackets] {braces} 'single'" } }
                expect:
                  - rejected: { step: "2", reason: "quote \\" and backslash \\\\" }
                """))
        let text = ScenarioWriter.yaml(s, schedule: nil)
        let back = try #require(parsed(text))
        expectSameContent(s, back)
        #expect(back.config.map(\.value) == ["a, b: c", "3", "0.25", "true", "", "-5"])
        #expect(back.repos[0].commits[0].files["dir with space/a b.txt"] == "x: y\n- z")
        #expect(back.repos[0].commits[0].files["é.md"] == "\u{1}ctl")
    }

    @Test func writerOutputIsReadableYAML() throws {
        let s = try #require(
            parsed(
                """
                name: small
                actors: [alice]
                repos: [{ name: web, owner: alice, commits: [{ name: c1, files: { b.txt: "2", a.txt: "1" } }] }]
                steps:
                  - { id: ann, at: 1m..2m, actor: alice, announce: web }
                  - { id: p, after: ann, delay: 5s, actor: alice, push: { repo: web, refs: { refs/heads/main: c1, refs/heads/x: null } } }
                faults:
                  - { at: 30s, for: 1m, partition: [[alice], [relay]] }
                """))
        let text = ScenarioWriter.yaml(s, schedule: nil)
        #expect(
            text == """
                name: small
                duration: 1h
                quiescence_bound: 35m
                relays:
                  - { name: relay, domain: relay.test, replicas: 1 }
                actors:
                  - alice
                network: { latency: 2ms..40ms, loss: 0, duplicate: 0, reorder: 0 }
                repos:
                  - name: web
                    identifier: web
                    owner: alice
                    commits:
                      - { name: c1, files: { a.txt: "1", b.txt: "2" } }
                steps:
                  - { id: ann, at: 1m..2m, actor: alice, announce: web }
                  - { id: p, after: ann, delay: 5s, actor: alice, push: { repo: web, refs: { refs/heads/main: c1, refs/heads/x: null } } }
                faults:
                  - { at: 30s, for: 1m, partition: [[alice], [relay]] }

                """)
    }
}
