import Foundation
import SimKernel
import Testing

@testable import Scenario

/// A scenario using every key of remotes and sync (docs/scenario-format.md, "Remotes and sync").
let syncScenario = """
    name: sync-keys
    actors: [alice, bob]
    relays:
      - { name: r1, domain: r1.test }
      - { name: r2, domain: r2.test, replicas: 2 }
    repos:
      - name: web
        owner: alice
        commits:
          - { name: c1 }
          - { name: c2, parents: [c1] }
          - { name: c3, parents: [c2] }
        upstream: { domain: up.example, branch: trunk }
      - name: lib
        owner: bob
        commits: [{ name: l1 }]
        upstream: { domain: up.example }
    remotes:
      - domain: up.example
        holds:
          - { repo: web, refs: { refs/heads/trunk: c2, refs/tags/v1: { commit: c1, annotated: true } } }
      - domain: mirror-a.example
        latency: 50ms..1s
        holds:
          - repo: web
            commits: [c2]
            only: [c3]
          - { repo: lib, only: [l1] }
        behaviours:
          - { kind: down, from: 0s, until: 5m }
          - { kind: slow, from: 5m, latency: 40s }
          - { kind: timeout, from: 10m, until: 11m }
          - { kind: rate_limited, from: 12m }
          - { kind: partial, from: 0s }
      - domain: mirror-b.example
        latency: 300ms
    steps:
      - { id: ann, at: 0s, actor: alice, announce: { repo: web, clone: [mirror-a.example, r2.test] } }
      - { id: ann-lib, at: 1s, actor: bob, via: sync, announce: lib }
      - { id: st, at: 2s, actor: alice, via: sync, state: { repo: web, refs: { refs/heads/trunk: c3 } } }
      - { id: pr, at: 3s, actor: bob, via: user, pull_request: { repo: web, commit: c3, clone: [mirror-b.example] } }
      - { id: bug, at: 4s, actor: bob, via: sync, issue: web }
      - { id: rec, at: 5m, reconcile: web }
      - { id: rec2, at: 6m, reconcile: { repo: lib, relay: r2 } }
      - { id: rec3, at: 7m, reconcile: { repo: web, relay: "r2#1" } }
    expect:
      - reconciled: { repo: web, outcome: rebased }
      - reconciled: { repo: lib, outcome: fetch-failed }
      - remote_refs: { domain: up.example, repo: web, equals: { refs/heads/trunk: c3, "refs/heads/conflicts/*": c2 } }
      - remote_refs: { domain: mirror-b.example, repo: lib, equals: {} }
      - sync_fetches: { repo: web, max: 0 }
      - sync_fetches: { repo: lib, min: 1, max: 4 }
      - sync_fetches: { repo: lib, min: 2 }
    """

/// Twelve valid lines; error tests append steps or expectations from line 13 on.
let syncBase = """
    name: e
    actors: [alice, bob]
    repos:
      - name: web
        owner: alice
        commits: [{ name: c1 }, { name: c2, parents: [c1] }]
        upstream: { domain: up.example }
      - { name: lib, owner: bob, commits: [{ name: l1 }] }
    remotes:
      - domain: up.example
    steps:
      - { id: ann, at: 0s, actor: alice, announce: web }

    """

@Suite struct RemotesAndSync {
    @Test func everyNewKeyDecodes() throws {
        let s = try #require(parsed(syncScenario))

        #expect(s.repos[0].upstream?.domain == "up.example")
        #expect(s.repos[0].upstream?.branch == "trunk")
        #expect(s.repos[0].upstream?.location == SourceLocation(file: "t.yaml", line: 13, column: 15))
        #expect(s.repos[1].upstream?.branch == "main")

        #expect(s.remotes.map(\.domain) == ["up.example", "mirror-a.example", "mirror-b.example"])
        #expect(s.remotes[0].location == SourceLocation(file: "t.yaml", line: 19, column: 13))
        // Latency defaults to 20ms..200ms; a single duration is a fixed latency.
        #expect(s.remotes[0].latencyMin == Time.ms(20) && s.remotes[0].latencyMax == Time.ms(200))
        #expect(s.remotes[1].latencyMin == Time.ms(50) && s.remotes[1].latencyMax == Time.s(1))
        #expect(s.remotes[2].latencyMin == Time.ms(300) && s.remotes[2].latencyMax == Time.ms(300))

        #expect(s.remotes[0].holds.map(\.repo) == ["web"])
        #expect(
            s.remotes[0].holds[0].refs == [
                RefSpec(ref: "refs/heads/trunk", commit: "c2"),
                RefSpec(ref: "refs/tags/v1", commit: "c1", annotatedTag: true),
            ])
        #expect(s.remotes[0].holds[0].commits.isEmpty && s.remotes[0].holds[0].only.isEmpty)
        let a = s.remotes[1]
        #expect(a.holds.map(\.repo) == ["web", "lib"])
        #expect(a.holds[0].commits == ["c2"] && a.holds[0].only == ["c3"] && a.holds[0].refs.isEmpty)
        #expect(a.holds[0].location == SourceLocation(file: "t.yaml", line: 25, column: 9))
        #expect(a.holds[1].only == ["l1"])
        #expect(a.behaviours.map(\.kind) == [.down, .slow, .timeout, .rateLimited, .partial])
        #expect(a.behaviours[0].from == 0 && a.behaviours[0].until == Time.min(5) && a.behaviours[0].latency == nil)
        #expect(
            a.behaviours[1].from == Time.min(5) && a.behaviours[1].until == nil && a.behaviours[1].latency == Time.s(40)
        )
        #expect(a.behaviours[2].until == Time.min(11))
        #expect(a.behaviours[3].from == Time.min(12) && a.behaviours[3].until == nil)
        #expect(a.behaviours[4].location == SourceLocation(file: "t.yaml", line: 34, column: 9))
        #expect(s.remotes[2].holds.isEmpty && s.remotes[2].behaviours.isEmpty)

        #expect(s.steps.map(\.viaSync) == [false, true, true, false, true, false, false, false])
        #expect(s.steps[0].cloneDomains == ["mirror-a.example", "r2.test"])
        #expect(s.steps[0].action == .announce(repo: "web", maintainers: nil, listsService: true))
        #expect(s.steps[1].cloneDomains.isEmpty)
        #expect(s.steps[3].cloneDomains == ["mirror-b.example"])
        #expect(s.steps[3].action == .pullRequest(repo: "web", pr: "pr", commit: "c3"))
        #expect(s.steps[5].action == .reconcile(repo: "web", relay: nil))
        #expect(s.steps[5].actor == "")
        #expect(s.steps[6].action == .reconcile(repo: "lib", relay: "r2"))
        #expect(s.steps[7].action == .reconcile(repo: "web", relay: "r2#1"))

        #expect(
            s.expectations.map(\.kind) == [
                .reconciled(repo: "web", outcome: "rebased"),
                .reconciled(repo: "lib", outcome: "fetch-failed"),
                .remoteRefs(
                    domain: "up.example", repo: "web",
                    refs: [
                        RefSpec(ref: "refs/heads/trunk", commit: "c3"),
                        RefSpec(ref: "refs/heads/conflicts/*", commit: "c2"),
                    ]),
                .remoteRefs(domain: "mirror-b.example", repo: "lib", refs: []),
                .syncFetches(repo: "web", min: nil, max: 0),
                .syncFetches(repo: "lib", min: 1, max: 4),
                .syncFetches(repo: "lib", min: 2, max: nil),
            ])
    }

    /// The example under "Remotes and sync" in docs/scenario-format.md.
    @Test func formatReferenceExampleLoads() throws {
        let path = URL(fileURLWithPath: examplesDirectory).deletingLastPathComponent()
            .appendingPathComponent("scenario-format.md").path
        let doc = try String(contentsOfFile: path, encoding: .utf8)
        let section = try #require(doc.range(of: "\n## Remotes and sync\n"))
        let start = try #require(doc.range(of: "```yaml\n", range: section.upperBound..<doc.endIndex))
        let end = try #require(doc.range(of: "\n```\n", range: start.upperBound..<doc.endIndex))
        let s = try ScenarioLoader.parse(yaml: String(doc[start.upperBound..<end.lowerBound]) + "\n", file: path)
        #expect(s.name == "upstream-and-mirrors")
        #expect(s.remotes.count == 3 && s.repos[0].upstream?.domain == "up.example")
        #expect(s.steps.contains { $0.viaSync } && s.steps.contains { !$0.cloneDomains.isEmpty })
        #expect(s.steps.contains { if case .reconcile = $0.action { return true } else { return false } })
        #expect(s.expectations.count == 4)
    }

    @Test func everyReconciliationOutcomeIsAccepted() throws {
        for outcome in ["in-sync", "fast-forwarded", "pushed-ahead", "rebased", "conflict-escaped", "fetch-failed"] {
            let s = try #require(parsed(syncBase + "expect:\n  - reconciled: { repo: web, outcome: \(outcome) }\n"))
            #expect(s.expectations.map(\.kind) == [.reconciled(repo: "web", outcome: outcome)])
        }
    }

    @Test func syncBaseIsValid() {
        #expect(errors(syncBase).isEmpty)
    }

    // MARK: Errors

    @Test func unknownRemoteInUpstream() {
        expectOneError(
            """
            name: e
            actors: [alice]
            repos:
              - { name: web, owner: alice, upstream: { domain: up.exmaple } }
            remotes:
              - domain: up.example
            """, line: 4, column: 52, "unknown remote 'up.exmaple'; did you mean 'up.example'?")
        expectOneError(
            """
            name: e
            actors: [alice]
            repos:
              - { name: web, owner: alice, upstream: { domain: up.example } }
            """, line: 4, column: 52, "unknown remote 'up.example' (define remotes under 'remotes')")
        // A relay's domain is not a remote.
        expectOneError(
            """
            name: e
            actors: [alice]
            repos:
              - { name: web, owner: alice, upstream: { domain: relay.test } }
            """, line: 4, column: 52, "'relay.test' is the domain of relay 'relay', not of a remote")
    }

    @Test func upstreamShape() {
        expectOneError(
            """
            name: e
            actors: [alice]
            repos:
              - { name: web, owner: alice, upstream: { branch: main } }
            remotes: [{ domain: up.example }]
            """, line: 4, column: 42, "missing required key 'domain' in 'upstream'")
        expectOneError(
            """
            name: e
            actors: [alice]
            repos:
              - { name: web, owner: alice, upstream: { domain: up.example, branch: refs/heads/dev } }
            remotes: [{ domain: up.example }]
            """, line: 4, column: 72, "'branch' is a branch name without 'refs/heads/'; write 'dev'")
        expectOneError(
            """
            name: e
            actors: [alice]
            repos:
              - { name: web, owner: alice, upstream: { domain: up.example, branch: "a..b" } }
            remotes: [{ domain: up.example }]
            """, line: 4, column: 72, "'branch' 'a..b' is not a valid branch name", "must not contain '..'")
        // A malformed upstream is reported once: the reconcile step adds no "has no upstream".
        expectOneError(
            """
            name: e
            actors: [alice]
            repos:
              - { name: web, owner: alice, upstream: up.example }
            remotes: [{ domain: up.example }]
            steps:
              - { at: 0s, reconcile: web }
            """, line: 4, column: 42, "'upstream' must be a mapping (key: value pairs), found 'up.example'")
    }

    @Test func slowWithoutLatencyAndLatencyWithoutSlow() {
        expectOneError(
            """
            name: e
            remotes:
              - domain: up.example
                behaviours:
                  - { kind: down, from: 0s, until: 1m }
                  - { kind: slow, from: 5m }
            """, line: 6, column: 9, "missing required key 'latency' in a 'slow' behaviour")
        expectOneError(
            """
            name: e
            remotes:
              - domain: up.example
                behaviours:
                  - { kind: down, from: 0s, latency: 1s }
            """, line: 5, column: 33, "'latency' only applies to kind 'slow', not 'down'")
    }

    @Test func behaviourShape() {
        expectOneError(
            "name: e\nremotes: [{ domain: up.example, behaviours: [{ kind: rate-limited, from: 0s }] }]\n",
            line: 2, column: 54, "unknown behaviour kind 'rate-limited'; did you mean 'rate_limited'?")
        expectOneError(
            "name: e\nremotes: [{ domain: up.example, behaviours: [{ kind: down, from: 5m, until: 5m }] }]\n",
            line: 2, column: 77, "'until' (5m) must be after 'from' (5m)")
        expectOneError(
            "name: e\nremotes: [{ domain: up.example, behaviours: [{ kind: down }] }]\n",
            line: 2, column: 46, "missing required key 'from' in a behaviour")
        expectOneError(
            "name: e\nremotes: [{ domain: up.example, behaviors: [] }]\n",
            line: 2, column: 33, "unknown key 'behaviors' in a remote; did you mean 'behaviours'?")
    }

    @Test func remoteDomainOfARelay() {
        expectOneError(
            """
            name: e
            relays: [{ name: hub, domain: hub.example }]
            remotes:
              - domain: mirror.example
              - domain: hub.example
            """, line: 5, column: 13, "remote 'hub.example' has the domain of relay 'hub'")
        // The default relay's domain counts too.
        expectOneError(
            "name: e\nremotes: [{ domain: relay.test }]\n", line: 2, column: 21,
            "remote 'relay.test' has the domain of relay 'relay'")
    }

    @Test func remoteDomainShape() {
        expectOneError(
            "name: e\nremotes: [{ domain: up.example }, { domain: up.example }]\n", line: 2, column: 45,
            "remote 'up.example' is defined twice (first at line 2)")
        expectOneError(
            "name: e\nremotes: [{ domain: Up.Example }]\n", line: 2, column: 21,
            "remote domain 'Up.Example' must be lowercase; write 'up.example'")
        expectOneError(
            "name: e\nremotes: [{ domain: \"up example/x\" }]\n", line: 2, column: 21,
            "remote domain 'up example/x' is not a lowercase host name")
        expectOneError(
            "name: e\nremotes: [{ latency: 1s }]\n", line: 2, column: 11,
            "missing required key 'domain' in a remote")
    }

    @Test func holdingsNeedContentAndValidReferences() {
        expectOneError(
            syncBase.replacingOccurrences(
                of: "  - domain: up.example\n",
                with: "  - { domain: up.example, holds: [{ repo: web }] }\n"),
            line: 10, column: 35, "a holding of repo 'web' must name at least one of 'commits'")
        expectOneError(
            syncBase.replacingOccurrences(
                of: "  - domain: up.example\n",
                with: "  - { domain: up.example, holds: [{ repo: web, only: [c3] }] }\n"),
            line: 10, column: 55, "unknown commit 'c3' in repo 'web'; did you mean 'c1'?")
        expectOneError(
            syncBase.replacingOccurrences(
                of: "  - domain: up.example\n",
                with: "  - { domain: up.example, holds: [{ repo: wbe, commits: [c1] }] }\n"),
            line: 10, column: 43, "unknown repo 'wbe'; did you mean 'web'?")
        expectOneError(
            syncBase.replacingOccurrences(
                of: "  - domain: up.example\n",
                with: "  - { domain: up.example, holds: [{ repo: web, refs: { refs/heads/main: null } }] }\n"),
            line: 10, column: 73, "a holding cannot delete a ref")
        expectOneError(
            syncBase.replacingOccurrences(
                of: "  - domain: up.example\n",
                with: "  - { domain: up.example, holds: [{ repo: web, only: [c1] }, { repo: web, only: [c2] }] }\n"),
            line: 10, column: 62, "remote 'up.example' holds repo 'web' twice")
    }

    @Test func viaOnlyOnEventSteps() {
        expectOneError(
            syncBase + "  - { at: 1m, actor: alice, via: sync, push: { repo: web, refs: { refs/heads/main: c2 } } }\n",
            line: 13, column: 29,
            "'via' only applies to announce, state, pull_request and issue steps, but step 'step2' is a 'push' step")
        expectOneError(
            syncBase + "  - { at: 1m, actor: alice, via: relay, issue: web }\n", line: 13, column: 34,
            "'via' must be 'sync' (the event comes from another relay) or 'user' (the default), found 'relay'")
    }

    @Test func cloneDomainsMustBeRemotesOrRelays() {
        expectOneError(
            syncBase + "  - { at: 1m, actor: alice, announce: { repo: web, clone: [up.example, up.exampel] } }\n",
            line: 13, column: 72, "unknown domain 'up.exampel' in 'clone'; did you mean 'up.example'?")
        expectOneError(
            syncBase + "  - { at: 1m, actor: bob, pull_request: { repo: web, commit: c2, clone: [elsewhere.org] } }\n",
            line: 13, column: 74,
            "unknown domain 'elsewhere.org' in 'clone' (remotes: up.example; relay domains: relay.test)")
        expectOneError(
            syncBase + "  - { at: 1m, actor: alice, announce: { repo: web, clone: [relay.test, relay.test] } }\n",
            line: 13, column: 72, "domain 'relay.test' is listed twice in 'clone'")
        expectOneError(
            syncBase + "  - { at: 1m, actor: alice, issue: { repo: web, clone: [up.example] } }\n",
            line: 13, column: 49, "unknown key 'clone' in 'issue'")
    }

    @Test func reconcileNeedsAnUpstream() {
        expectOneError(
            syncBase + "  - { id: rec, at: 1m, reconcile: lib }\n", line: 13, column: 35,
            "step 'rec' reconciles repo 'lib', which has no 'upstream'")
        expectOneError(
            syncBase + "  - { at: 1m, reconcile: { repo: lib, relay: relay } }\n", line: 13, column: 34,
            "step 'step2' reconciles repo 'lib', which has no 'upstream'")
        expectOneError(
            syncBase + "  - { at: 1m, reconcile: { repo: web, relay: rleay } }\n", line: 13, column: 46,
            "unknown relay 'rleay'; did you mean 'relay'?")
        expectOneError(
            syncBase + "  - { at: 1m, reconcile: wbe }\n", line: 13, column: 26,
            "unknown repo 'wbe'; did you mean 'web'?")
        // A reconcile step is no push or publish.
        expectOneError(
            syncBase + "  - { id: rec, at: 1m, reconcile: web }\nexpect:\n  - accepted: rec\n", line: 15, column: 15,
            "'accepted' is about a push or a publish, but step 'rec' is a reconcile step")
    }

    @Test func badOutcomeName() {
        expectOneError(
            syncBase + "expect:\n  - reconciled: { repo: web, outcome: rebase }\n", line: 14, column: 39,
            "unknown reconciliation outcome 'rebase'; did you mean 'rebased'?")
        expectOneError(
            syncBase + "expect:\n  - reconciled: { repo: web, outcome: in_sync }\n", line: 14, column: 39,
            "did you mean 'in-sync'?")
        expectOneError(
            syncBase + "expect:\n  - reconciled: { repo: web, outcome: merged }\n", line: 14, column: 39,
            "(outcomes: in-sync, fast-forwarded, pushed-ahead, rebased, conflict-escaped, fetch-failed)")
        expectOneError(
            syncBase + "expect:\n  - reconciled: { repo: web }\n", line: 14, column: 17,
            "missing required key 'outcome' in 'reconciled'")
        expectOneError(
            syncBase + "expect:\n  - reconciled: { repo: lib, outcome: in-sync }\n", line: 14, column: 25,
            "'reconciled' is about reconciliation with an upstream, but repo 'lib' has no 'upstream'")
    }

    @Test func remoteRefsPatterns() {
        expectOneError(
            syncBase + "expect:\n  - remote_refs: { domain: up.exmaple, repo: web, equals: {} }\n", line: 14,
            column: 28,
            "unknown remote 'up.exmaple'; did you mean 'up.example'?")
        expectOneError(
            syncBase + "expect:\n  - remote_refs: { domain: up.example, repo: web, equals: { \"refs/*\": c1 } }\n",
            line: 14, column: 61, "ref pattern 'refs/*' must start with refs/heads/ or refs/tags/")
        expectOneError(
            syncBase
                + "expect:\n  - remote_refs: { domain: up.example, repo: web, equals: { \"refs/heads/*/x*\": c1 } }\n",
            line: 14, column: 61, "ref pattern 'refs/heads/*/x*' may contain only one '*', at the end")
        expectOneError(
            syncBase
                + "expect:\n  - remote_refs: { domain: up.example, repo: web, equals: { \"refs/heads/a..*\": c1 } }\n",
            line: 14, column: 61, "ref pattern 'refs/heads/a..*' must not contain '..'")
        // Outside remote_refs, '*' is no wildcard.
        expectOneError(
            syncBase + "expect:\n  - refs: { repo: web, equals: { \"refs/heads/x*\": c1 } }\n",
            line: 14, column: 34, "ref 'refs/heads/x*' must not contain '*'")
    }

    @Test func syncFetchBounds() {
        expectOneError(
            syncBase + "expect:\n  - sync_fetches: { repo: web }\n", line: 14, column: 19,
            "'sync_fetches' needs 'min' and/or 'max'")
        expectOneError(
            syncBase + "expect:\n  - sync_fetches: { repo: web, min: 3, max: 1 }\n", line: 14, column: 45,
            "'max' (1) is less than 'min' (3)")
        expectOneError(
            syncBase + "expect:\n  - sync_fetches: { repo: web, min: -1 }\n", line: 14, column: 37,
            "'min' must not be negative, found -1")
        expectOneError(
            syncBase + "expect:\n  - sync_fetches: { repo: web, max: many }\n", line: 14, column: 37,
            "'max' must be a whole number, found 'many'")
    }

    @Test func severalProblemsAreAllReported() {
        let errs = errors(
            syncBase + """
                  - { at: 1m, actor: alice, via: sync, clone: web }
                  - { at: 2m, reconcile: lib }
                expect:
                  - sync_fetches: { repo: wbe, max: 1 }

                """)
        #expect(errs.map { "\($0.location.line):\($0.location.column)" } == ["13:29", "14:26", "16:27"])
    }

    // MARK: Writing

    @Test func roundTripWithRemotesAndSync() throws {
        let s = try #require(parsed(syncScenario))
        let text = ScenarioWriter.yaml(s, schedule: nil)
        let back = try #require(parsed(text))
        expectSameContent(s, back)
        #expect(withoutAnyLocations(back).remotes == withoutAnyLocations(s).remotes)
        #expect(back.steps.map(\.viaSync) == s.steps.map(\.viaSync))
        #expect(back.steps.map(\.cloneDomains) == s.steps.map(\.cloneDomains))
        // Writing is a fixed point after one round.
        #expect(ScenarioWriter.yaml(back, schedule: nil) == text)
        // A fixed schedule keeps remotes, upstreams, via and clone too.
        let fixed = try #require(parsed(ScenarioWriter.yaml(s, schedule: s.materialize(seed: 3))))
        #expect(withoutAnyLocations(fixed).remotes == withoutAnyLocations(s).remotes)
        #expect(withoutAnyLocations(fixed).repos == withoutAnyLocations(s).repos)
        #expect(fixed.steps.map(\.viaSync) == s.steps.map(\.viaSync))
        #expect(fixed.expectations.map(\.kind) == s.expectations.map(\.kind))
    }

    @Test func writerOutputForRemotesAndSync() throws {
        let s = try #require(
            parsed(
                """
                name: w
                actors: [alice]
                repos:
                  - { name: web, owner: alice, commits: [{ name: c1 }], upstream: { domain: up.example } }
                remotes:
                  - domain: up.example
                    holds: [{ repo: web, commits: [c1], refs: { refs/heads/main: c1 } }]
                    behaviours: [{ kind: slow, from: 1m, until: 2m, latency: 30s }, { kind: rate_limited, from: 3m }]
                  - { domain: bare.example, latency: 1s }
                steps:
                  - { id: a, at: 0s, actor: alice, via: sync, announce: { repo: web, clone: [up.example] } }
                  - { id: p, at: 1s, actor: alice, pull_request: { repo: web, commit: c1, clone: [relay.test] } }
                  - { id: r, at: 2s, reconcile: web }
                expect:
                  - remote_refs: { domain: up.example, repo: web, equals: { "refs/heads/conflicts/*": c1 } }
                """))
        #expect(
            ScenarioWriter.yaml(s, schedule: nil) == """
                name: w
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
                      - { name: c1 }
                    upstream: { domain: up.example, branch: main }
                remotes:
                  - domain: up.example
                    latency: 20ms..200ms
                    holds:
                      - { repo: web, commits: [c1], refs: { refs/heads/main: c1 } }
                    behaviours:
                      - { kind: slow, from: 1m, until: 2m, latency: 30s }
                      - { kind: rate_limited, from: 3m }
                  - domain: bare.example
                    latency: 1s
                steps:
                  - { id: a, at: 0s, actor: alice, via: sync, announce: { repo: web, clone: [up.example] } }
                  - { id: p, at: 1s, actor: alice, pull_request: { repo: web, commit: c1, clone: [relay.test] } }
                  - { id: r, at: 2s, reconcile: web }
                expect:
                  - { remote_refs: { domain: up.example, repo: web, equals: { "refs/heads/conflicts/*": c1 } } }

                """)
    }
}
