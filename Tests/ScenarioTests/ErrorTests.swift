import SimKernel
import Testing

@testable import Scenario

/// Ten valid lines every reference test appends to (so appended lines start at line 11).
let base = """
    name: e
    actors: [alice, bob]
    repos:
      - name: web
        owner: alice
        commits:
          - { name: c1 }
          - { name: c2, parents: [c1] }
    steps:
      - { id: ann, at: 0s, actor: alice, announce: web }

    """

@Suite struct ErrorsCarryPlaceAndReason {
    @Test func baseIsValid() {
        #expect(errors(base).isEmpty)
    }

    @Test func unknownKeyWithSuggestion() {
        expectOneError(
            "name: e\nduraton: 5m\n", line: 2, column: 1,
            "unknown key 'duraton' in the scenario", "did you mean 'duration'?")
        expectOneError(
            base + """
                  - at: 1m
                    actor: alice
                    announce: web
                    retyr: { every: 1s, for: 1m }
                """, line: 14, column: 5, "unknown key 'retyr' in a step", "did you mean 'retry'?")
        // camelCase spellings map to the snake_case key.
        expectOneError("name: e\nhealAt: 5m\n", line: 2, column: 1, "did you mean 'heal_at'?")
    }

    @Test func unknownKeyWithoutCloseMatchListsKnownKeys() {
        expectOneError(
            "name: e\nrelays: [{ name: r, colour: red }]\n", line: 2, column: 21,
            "unknown key 'colour' in a relay", "(known keys: name, domain, replicas)")
    }

    @Test func wrongTypes() {
        expectOneError("name: e\nactors: alice\n", line: 2, column: 9, "'actors' must be a list, found 'alice'")
        expectOneError(
            "name: e\nrelays: [{ name: r, replicas: two }]\n", line: 2, column: 31,
            "'replicas' must be a whole number, found 'two'")
        expectOneError("name: [a, b]\n", line: 1, column: 7, "'name' must be text, found a list")
        expectOneError("name: e\nnetwork: [1ms]\n", line: 2, column: 10, "'network' must be a mapping")
        expectOneError(
            base + "  - { at: 1m, actor: alice, announce: { repo: web, lists_service: maybe } }\n",
            line: 11, column: 67, "'lists_service' must be true or false, found 'maybe'")
    }

    @Test func badDurations() {
        expectOneError(
            "name: e\nduration: 5 minutes\n", line: 2, column: 11,
            "'duration': '5 minutes' is not a duration")
        expectOneError("name: e\nduration: -5m\n", line: 2, column: 11, "'duration' must not be negative")
        expectOneError(
            base + "  - { at: 1m..soon, actor: alice, issue: web }\n", line: 11, column: 11,
            "'soon' in the range '1m..soon' is not a duration")
    }

    @Test func rangeStartingAfterItsEnd() {
        expectOneError(
            base + "  - { at: 5m..1m, actor: alice, issue: web }\n", line: 11, column: 11,
            "the range '5m..1m' starts after it ends")
        expectOneError(
            "name: e\nnetwork: { latency: 80ms..5ms }\n", line: 2, column: 21, "'latency'", "starts after it ends")
    }

    @Test func unknownReferences() {
        expectOneError(
            base + "  - { at: 1m, actor: bob, pull_request: { repo: web, commit: c9 } }\n",
            line: 11, column: 62, "unknown commit 'c9' in repo 'web'", "did you mean 'c1'?")
        expectOneError(base + "expect:\n  - served: sta\n", line: 12, column: 13, "unknown step 'sta' (defined: ann)")
        expectOneError(
            "name: e\nactors:\n  - { name: bob, relay: rleay }\n", line: 3, column: 25,
            "unknown relay 'rleay'; did you mean 'relay'?")
        expectOneError(
            base + "faults:\n  - { at: 0s, crash: dave }\n", line: 12, column: 22,
            "unknown node 'dave' (defined: relay, alice, bob)")
        expectOneError(
            base + "  - { id: x, after: nope, actor: alice, issue: web }\n", line: 11, column: 21,
            "unknown step 'nope'")
    }

    @Test func replicaThatDoesNotExist() {
        expectOneError(
            base + "faults:\n  - { at: 0s, pause: relay#1 }\n", line: 12, column: 22,
            "relay 'relay' has 1 replica (numbered from 0), so 'relay#1' does not exist")
    }

    @Test func referenceOfTheWrongKind() {
        expectOneError(
            base + "  - { at: 1m, actor: bob, push_pr: { repo: web, pr: ann, commit: c2 } }\n",
            line: 11, column: 53, "'pr' must name a pull_request step, but step 'ann' is an announce step")
    }

    @Test func moreReferencesOfTheWrongKind() {
        expectOneError(
            base + "  - { at: 1m, actor: bob, clone: web }\nexpect:\n  - served: step2\n", line: 13, column: 13,
            "'served' is about a published event, but step 'step2' is a clone step")
        expectOneError(
            base
                + "  - { id: i, at: 1m, actor: bob, issue: web }\n  - { at: 2m, actor: bob, delete: [i], by: coordinate }\n",
            line: 12, column: 36, "step 'i' publishes an issue event, which has no coordinate")
        expectOneError(
            base
                + "  - { id: p, at: 1m, actor: bob, push: { repo: web, refs: { refs/heads/main: c1 } } }\n  - { at: 2m, actor: bob, delete: p }\n",
            line: 12, column: 35, "'delete' names step 'p', a push step, which publishes no deletable event")
        expectOneError(
            base + "faults:\n  - { after: nothing, crash: relay }\n", line: 12, column: 14, "unknown step 'nothing'")
    }

    @Test func configValuesMustBeSingleValues() {
        expectOneError(
            "name: e\nconfig:\n  purgatory_ttl: [30m]\n", line: 3, column: 18,
            "config value for 'purgatory_ttl' must be a single value")
    }

    @Test func duplicateNames() {
        expectOneError(
            base + "  - { id: ann, at: 1m, actor: alice, announce: web }\n", line: 11, column: 11,
            "duplicate step id 'ann' (first used at line 10)")
        // A generated id (step2 is the second step's) collides with an explicit one.
        expectOneError(
            base + "  - { at: 1m, actor: alice, issue: web }\n  - { id: step2, at: 1m, actor: alice, issue: web }\n",
            line: 12, column: 11, "duplicate step id 'step2' (first used at line 11)")
        expectOneError(
            "name: e\nactors: [alice, bob, alice]\n", line: 2, column: 22,
            "actor 'alice' is defined twice (first at line 2)")
        expectOneError(
            "name: e\nactors: [a]\nrepos:\n  - { name: r, owner: a, commits: [{ name: x }, { name: x }] }\n",
            line: 4, column: 57, "commit 'x' is defined twice in repo 'r'")
    }

    @Test func afterCycles() {
        expectOneError(
            base + """
                  - { id: a, after: b, actor: alice, issue: web }
                  - { id: b, after: a, actor: alice, issue: web }

                """, line: 11, column: 21, "'after' dependencies form a cycle: a → b → a")
        expectOneError(
            base + "  - { id: s, after: s, actor: alice, issue: web }\n", line: 11, column: 21,
            "step 's' comes after itself")
    }

    @Test func parentsMustBeDefinedEarlier() {
        let yaml = """
            name: e
            actors: [alice]
            repos:
              - name: web
                owner: alice
                commits:
                  - { name: c1, parents: [c2] }
                  - { name: c2 }
                  - { name: c3, parents: [c1, c7] }
            """
        let errs = errors(yaml)
        #expect(errs.count == 2)
        #expect(errs.first?.location.line == 7 && errs.first?.location.column == 31)
        #expect(
            errs.first?.message
                == "parent 'c2' of commit 'c1' is defined later in repo 'web'; list parents before their children")
        #expect(errs.last?.location.line == 9 && errs.last?.location.column == 35)
        #expect(errs.last?.message.hasPrefix("parent 'c7' of commit 'c3' is not defined in repo 'web'") == true)
    }

    @Test func badRefNames() {
        expectOneError(
            base + "  - { at: 1m, actor: alice, push: { repo: web, refs: { main: c1 } } }\n",
            line: 11, column: 56, "ref 'main' must start with refs/heads/ or refs/tags/")
        expectOneError(
            base + "  - { at: 1m, actor: alice, push: { repo: web, refs: { refs/heads/a..b: c1 } } }\n",
            line: 11, column: 56, "must not contain '..'")
        expectOneError(
            base + "  - { at: 1m, actor: alice, state: { repo: web, refs: { refs/heads/x: null } } }\n",
            line: 11, column: 71, "a state cannot delete a ref")
        expectOneError(
            base + "  - { at: 1m, actor: alice, state: { repo: web, refs: {}, head: refs/tags/v1 } }\n",
            line: 11, column: 65, "'head' must be a branch ref")
    }

    @Test func probabilitiesOutOfRange() {
        expectOneError(
            "name: e\nnetwork: { loss: 1.5 }\n", line: 2, column: 18,
            "'loss' is a probability and must be between 0 and 1, found 1.5")
        expectOneError("name: e\nnetwork: { reorder: -0.1 }\n", line: 2, column: 21, "'reorder' is a probability")
    }

    @Test func replicasMustBePositive() {
        expectOneError(
            "name: e\nrelays: [{ name: r, replicas: 0 }]\n", line: 2, column: 31,
            "'replicas' must be at least 1, found 0")
    }

    @Test func stepShapeProblems() {
        expectOneError(base + "  - { at: 1m, actor: alice }\n", line: 11, column: 5, "step 'step2' has no action")
        expectOneError(
            base + "  - { at: 1m, actor: alice, issue: web, clone: web }\n", line: 11, column: 41,
            "has both 'issue' and 'clone'")
        expectOneError(base + "  - { at: 1m, issue: web }\n", line: 11, column: 5, "missing required key 'actor'")
        expectOneError(base + "  - { actor: alice, issue: web }\n", line: 11, column: 5, "needs 'at'")
        expectOneError(
            base + "  - { at: 1m, after: ann, actor: alice, issue: web }\n", line: 11, column: 15,
            "either 'at' or 'after', not both")
        expectOneError(
            base + "  - group: { within: 0s..5m }\n    steps:\n      - { at: 1m, actor: alice, issue: web }\n",
            line: 13, column: 11, "takes its time from the group's 'within'; remove 'at'")
        expectOneError(
            base + "  - { at: 1m, actor: alice, issue: web, by: id }\n", line: 11, column: 41,
            "'by' only applies to delete steps")
    }

    @Test func yamlSyntaxErrorsHaveAPlace() {
        expectOneError(
            "name: e\n  duration: 5m\n", line: 2, column: 11,
            "invalid YAML", "mapping values are not allowed")
        expectOneError("name: e\nname: f\n", line: 1, column: 1, "key 'name' appears more than once")
        expectOneError("", line: 1, column: 1, "the file is empty")
    }

    @Test func everyErrorIsReportedInFileOrder() {
        let errs = errors(
            base + """
                  - { at: 1m, actor: carol, clone: wbe }
                faults:
                  - { at: 1m, for: 0s, pause: relay }
                expect:
                  - served: { step: ann, by: soon }
                colour: blue

                """)
        #expect(
            errs.map { "\($0.location.line):\($0.location.column)" } == ["11:22", "11:36", "13:20", "15:30", "16:1"])
        #expect(errs[0].message == "unknown actor 'carol' (defined: alice, bob)")
        #expect(errs[1].message == "unknown repo 'wbe'; did you mean 'web'?")
        #expect(errs[2].message.contains("'for' must be longer than 0"))
        #expect(errs[3].message.contains("'soon' is not a duration"))
        #expect(errs[4].message.contains("unknown key 'colour'"))
        do {
            _ = try ScenarioLoader.parse(yaml: base + "colour: blue\n", file: "dir/x.yaml")
            Issue.record("should not parse")
        } catch {
            #expect("\(error)".hasPrefix("dir/x.yaml:11:1: error: unknown key 'colour' in the scenario"))
        }
    }
}
