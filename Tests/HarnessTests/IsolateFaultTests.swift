import Foundation
import Harness
import Scenario
import SimKernel
import Testing

/// `isolate: <node>` cuts the node off from everyone: an ordinary flow whose relay is
/// isolated past its deadlines fails its expectations; isolating a bystander changes nothing.
@Suite struct IsolateFaultTests {
    static func scenario(isolating node: String) throws -> Scenario {
        try ScenarioLoader.parse(
            yaml: """
                name: isolate
                duration: 40m
                actors: [alice, bob]
                repos:
                  - name: web
                    owner: alice
                    commits: [{ name: c1, files: { README.md: "hello" } }]
                steps:
                  - { id: ann, at: 1m, actor: alice, announce: web }
                  - { id: st, at: 2m, actor: alice, state: { repo: web, refs: { refs/heads/main: c1 } } }
                  - { id: push, at: 3m, actor: alice, push: { repo: web, refs: { refs/heads/main: c1 } } }
                faults:
                  - { at: 30s, for: 20m, isolate: \(node) }
                expect:
                  - served: { step: st, by: 10m }

                """, file: "isolate.yaml")
    }

    @Test func isolatingTheRelayKeepsEveryoneOut() throws {
        let (r, w) = try Runner.runOne(Self.scenario(isolating: "relay"), seed: 1, options: RunOptions())
        w.recycle()
        #expect(r.violations.contains { $0.invariant == .expectations }, "\(r.violations.map(\.description))")
    }

    @Test func isolatingABystanderChangesNothing() throws {
        let (r, w) = try Runner.runOne(Self.scenario(isolating: "bob"), seed: 1, options: RunOptions())
        w.recycle()
        #expect(r.violations.isEmpty, "\(r.violations.map(\.description))")
    }
}
