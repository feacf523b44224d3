import Conformance
import Foundation
import Relay
import Server
import Testing

/// `graspsim conform` against `graspsim serve`: the reference passes every check, and each
/// broken-implementation switch serve accepts makes its matching check fail.
@Suite struct ConformanceTests {
    /// The purgatory ttl of servers that run slow checks: short enough for the expiry checks
    /// to wait it out, long enough for `R4.kept-until-ttl` to push in the last fifth of it.
    static let ttl = 16.0
    /// The ttl of servers that run only ordinary checks. Those need their waiting events to
    /// stay for the check's whole run, which on a loaded two-core machine can take more than
    /// 16 s (a push after a slow state found its repository already expired).
    static let ordinaryTTL = 600.0

    private func run(_ relay: ServedRelay, only: [String] = [], slow: Bool = false) async throws -> [CheckResult] {
        var o = ConformOptions(target: relay.ws)
        o.only = only
        o.slow = slow
        o.purgatoryTTL = relay.purgatoryTTL ?? Self.ttl
        o.expiryMargin = 4
        o.jobs = 4
        // Generous: the test suite runs many servers and git processes at once on two cores.
        o.timeout = 30
        let scratch = testScratchRoot + "/conform-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        o.scratchRoot = scratch
        let results = try await asClient { [o] in try await ConformRunner.run(o) }
        // Every check removes its git working copies and clones, whether it passed or failed.
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch)
        #expect(left.isEmpty, "conform left \(left) behind")
        return results
    }

    /// A server for `checks` (none named: all): the short ttl when a slow check is among them.
    static func relay(for checks: [String], _ settings: [String] = []) throws -> ServedRelay {
        let slow = Catalogue.checks.contains {
            $0.slow && (checks.isEmpty || checks.contains($0.id) || checks.contains($0.section))
        }
        // The row's own settings last: they may override these.
        return try ServedRelay(
            settings: ["purgatory_ttl=\(Int(slow ? Self.ttl : Self.ordinaryTTL))s", "sweep_interval=2s"] + settings)
    }

    @Test func everyCheckPassesAgainstTheReference() async throws {
        // The ordinary checks and the slow ones against two servers, at the same time.
        let ordinaryIDs = Catalogue.checks.filter { !$0.slow }.map(\.id)
        let slowIDs = Catalogue.checks.filter(\.slow).map(\.id)
        let ordinary = try Self.relay(for: ordinaryIDs)
        defer { ordinary.stop() }
        let slowRelay = try Self.relay(for: slowIDs)
        defer { slowRelay.stop() }
        #expect(ordinary.purgatoryTTL == Self.ordinaryTTL && slowRelay.purgatoryTTL == Self.ttl)
        async let slowResults = run(slowRelay, only: slowIDs, slow: true)
        let results = try await run(ordinary, only: ordinaryIDs) + slowResults
        #expect(results.count == Catalogue.checks.count)
        let bad = results.filter { $0.verdict != .pass }
        #expect(bad.isEmpty, "\(bad.map { "\($0.id): \($0.message)\n" + $0.transcript.joined(separator: "\n") })")
        #expect(ConformRunner.mustsHold(results))
    }

    /// Switch → the checks that must catch it (docs/conformance.md has the same table). One
    /// server per row runs all of the row's checks.
    static let trips: [(settings: [String], checks: [String])] = [
        (["variant.accept_unauthorized_push=true"], ["R7.no-state-rejected"]),
        (["variant.ok_names_other_event=true"], ["R1.announcement-accepted", "NIP-01.bad-signature", "NIP-01.bad-id"]),
        (["variant.authorize_from_database_only=true"], ["R7.owner-state-accepted"]),
        (["variant.compare_peeled_refs=true"], ["R7.peeled-entries-ignored"]),
        (["variant.reject_noop_push=true"], ["R7.noop-push-accepted"]),
        (["variant.flat_maintainers=true"], ["R7.recursive-maintainer-accepted"]),
        (
            ["variant.unprefixed_messages=true"],
            ["R2.not-listing-rejected", "R3.orphan-choice", "NIP-01.bad-signature", "NIP-01.bad-id"]
        ),
        (["variant.replacement_bypasses_purgatory=true"], ["R4.replacement-stays-hidden"]),
        (["variant.skip_promoting_copies=true"], ["R8.copies-release-announcements"]),
        (
            ["variant.forget_accepted_events=true"],
            [
                "R3.issue-accepted", "R3.reply-e-tag", "R3.comment-root-E", "R3.comment-root-A", "R3.quote-q-tag",
                "R3.tagged-by-issue",
            ]
        ),
        (["variant.forget_accepted_events=true", "accept_orphans=true"], ["R3.orphan-choice"]),
        (["variant.lowercase_tags_only=true"], ["R3.comment-root-E", "R3.comment-root-A", "R3.quote-q-tag"]),
        (["variant.one_way_references=true"], ["R3.tagged-by-issue"]),
        (["variant.prs_skip_purgatory=true"], ["R4.pr-waits", "R4.pr-update-waits"]),
        (["variant.keep_prs_waiting=true"], ["R8.pr-released-by-push", "R4.pr-update-waits"]),
        (["variant.no_filter=true"], ["R10.capabilities-v0", "R10.partial-clone", "R10.partial-clone-tree0"]),
        (["variant.no_sha1_in_want=true"], ["R10.capabilities-v0", "R10.reachable-by-id", "R10.fetch-by-id-v2"]),
        (["variant.no_expiry=true"], ["R4.expires", "R4.revived-by-state"]),
        // Two sweeps early: with 4 s sweeps, the repository is gone 8–12 s into a 16 s ttl,
        // well before the check's push at 12.8 s (with 2 s sweeps it raced the push).
        (["variant.expire_early=true", "sweep_interval=4s"], ["R4.kept-until-ttl"]),
        (["variant.no_eose=true"], ["NIP-01.req-eose"]),
        (["variant.silent_on_invalid_frames=true"], ["NIP-01.invalid-json"]),
        (["variant.oldest_first=true"], ["NIP-01.limit-newest-first"]),
        (["variant.keep_first_on_tie=true"], ["NIP-01.addressable-tie-break"]),
    ]

    /// A server configured for another domain refuses announcements listing this one.
    static let misconfiguredDomainTrips = ["R1.announcement-accepted", "R1.state-accepted", "R2.maintainer-exception"]

    @Test func serverForAnotherDomainFailsTheAcceptanceChecks() async throws {
        let relay = try ServedRelay(arguments: ["--domain", "elsewhere.example"])
        defer { relay.stop() }
        let results = try await run(relay, only: Self.misconfiguredDomainTrips)
        #expect(results.count == Self.misconfiguredDomainTrips.count)
        #expect(results.allSatisfy { $0.verdict == .fail }, "\(results.filter { $0.verdict != .fail }.map(\.id))")
    }

    /// Checks without a deliberately broken server that trips them (listed in the note and
    /// docs/conformance.md); any other check must appear in one of the trip lists.
    static let untripped: Set<String> = []

    @Test func everyCheckHasATripOrIsListedAsUntripped() {
        let tripped = Set(Self.trips.flatMap(\.checks)).union(Self.misconfiguredDomainTrips)
            .union(LocalRelayConformanceTests.failsOnAPlainRelay)
        let all = Set(Catalogue.checks.map(\.id))
        #expect(all.subtracting(tripped) == Self.untripped)
    }

    @Test(arguments: trips) func brokenSwitchFailsItsChecks(_ trip: (settings: [String], checks: [String])) async throws
    {
        let relay = try Self.relay(for: trip.checks, trip.settings)
        defer { relay.stop() }
        let results = try await run(relay, only: trip.checks, slow: true)
        #expect(Set(results.map(\.id)) == Set(trip.checks))
        for result in results {
            #expect(result.verdict == .fail, "\(trip.settings) did not fail \(result.id)")
            // Failed on what it checks, not because the server went quiet.
            // (A missing EOSE is what `NIP-01.req-eose` itself checks.)
            let quiet =
                ["no OK", "unreachable", "stopped answering"] + (result.id == "NIP-01.req-eose" ? [] : ["no EOSE"])
            #expect(!quiet.contains { result.message.contains($0) }, "\(result.id): \(result.message)")
        }
    }

    /// A failure that is a known divergence of real implementations says so.
    @Test func keepingTheFirstOnATieIsReportedAsTheKnownDivergence() async throws {
        let relay = try ServedRelay(settings: ["variant.keep_first_on_tie=true"])
        defer { relay.stop() }
        let result = try #require(try await run(relay, only: ["NIP-01.addressable-tie-break"]).first)
        #expect(result.verdict == .fail)
        #expect(result.divergence?.contains("stored first") == true, "\(result.divergence ?? "no divergence")")
        #expect(ConformReport.table([result]).contains("known divergence"))
    }

    /// A MAY reports the server's choice: the reference refuses orphans, and with
    /// `accept_orphans` accepts and serves them.
    @Test func orphanChoiceIsReported() async throws {
        for (settings, finding) in [
            ([String](), "refuses orphans: blocked:"), (["accept_orphans=true"], "accepts orphans"),
        ] {
            let relay = try ServedRelay(settings: settings)
            defer { relay.stop() }
            let result = try #require(try await run(relay, only: ["R3.orphan-choice"]).first)
            #expect(result.verdict == .pass, "\(result.message)")
            #expect(result.findings.contains { $0.hasPrefix(finding) }, "\(result.findings)")
        }
    }

    @Test func tableGroupsEachRequirementOnce() {
        let results = Catalogue.checks.map {
            CheckResult(
                id: $0.id, section: $0.section, level: $0.level, requirement: $0.requirement,
                verdict: .pass, message: "", seconds: 0, transcript: [])
        }
        let headings = ConformReport.table(results).split(separator: "\n").filter {
            !$0.hasPrefix(" ") && !$0.contains("passed")
        }
        #expect(headings.count == Set(headings).count, "\(headings)")
    }

    @Test func docsCatalogueIsTheGeneratedOne() throws {
        #expect(
            Set(Procedures.byID.keys) == Set(Catalogue.checks.map(\.id)), "every check says what it sends and expects")
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/conformance.md"), encoding: .utf8)
        #expect(
            doc.contains(Procedures.markdown()),
            "docs/conformance.md: regenerate with graspsim conform --list --markdown")
    }

    @Test func unknownCheckNameIsAnError() throws {
        #expect(throws: ConformRunner.SelectionError.self) { try ConformRunner.select(["R99"]) }
    }

    @Test func everyRelaySwitchServeAcceptsHasACheck() throws {
        // The relay's broken variants, minus those serve refuses.
        let relayFaults = RelayConfig.keys.map(\.0).filter {
            $0.hasPrefix("variant.") && RelayServer.unavailableSettings[$0] == nil
        }
        let covered = Set(
            Self.trips.flatMap { $0.settings.map { String($0.split(separator: "=")[0]) } }.filter {
                $0.hasPrefix("variant.")
            })
        #expect(Set(relayFaults) == covered)
    }
}
