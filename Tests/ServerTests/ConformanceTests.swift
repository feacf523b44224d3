import Foundation
import Testing
import Conformance
import Relay
import Server

/// `graspsim conform` against `graspsim serve`: the reference passes every check, and each
/// broken-implementation switch serve accepts makes its matching check fail.
@Suite struct ConformanceTests {
    static let ttl = 8.0

    private func run(_ relay: ServedRelay, only: [String] = [], slow: Bool = false) async throws -> [CheckResult] {
        var o = ConformOptions(target: relay.ws)
        o.only = only
        o.slow = slow
        o.purgatoryTTL = Self.ttl
        o.expiryMargin = 4
        o.jobs = 4
        return try await ConformRunner.run(o)
    }

    @Test func everyCheckPassesAgainstTheReference() async throws {
        let relay = try ServedRelay(settings: ["purgatory_ttl=\(Int(Self.ttl))s", "sweep_interval=2s"])
        defer { relay.stop() }
        let results = try await run(relay, slow: true)
        #expect(results.count == Catalogue.checks.count)
        let bad = results.filter { $0.verdict != .pass }
        #expect(bad.isEmpty, "\(bad.map { "\($0.id): \($0.message)\n" + $0.transcript.joined(separator: "\n") })")
        #expect(ConformRunner.mustsHold(results))
    }

    /// Switch → the check that must catch it (docs/conformance.md has the same table).
    static let trips: [(setting: String, check: String)] = [
        ("fault.accept_unauthorized_push=true", "R7.no-state-rejected"),
        ("fault.authorize_from_database_only=true", "R7.owner-state-accepted"),
        ("fault.compare_peeled_refs=true", "R7.peeled-entries-ignored"),
        ("fault.unprefixed_messages=true", "R2.not-listing-rejected"),
        ("fault.replacement_bypasses_purgatory=true", "R4.replacement-stays-hidden"),
        ("fault.skip_promoting_copies=true", "R8.copies-release-announcements"),
        ("fault.forget_accepted_events=true", "R3.issue-accepted"),
        ("fault.no_expiry=true", "R4.expires"),
        ("fault.no_expiry=true", "R4.revived-by-state"),
        ("fault.expire_early=true", "R4.kept-until-ttl"),
        ("fault.unprefixed_messages=true", "NIP-01.bad-signature"),
        ("fault.unprefixed_messages=true", "NIP-01.bad-id"),
        ("fault.no_eose=true", "NIP-01.req-eose"),
        ("fault.silent_on_invalid_frames=true", "NIP-01.invalid-json"),
        ("fault.oldest_first=true", "NIP-01.limit-newest-first"),
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
    static let untripped: Set<String> = ["NIP-01.addressable-tie-break"]

    @Test func everyCheckHasATripOrIsListedAsUntripped() {
        let tripped = Set(Self.trips.map(\.check)).union(Self.misconfiguredDomainTrips)
            .union(LocalRelayConformanceTests.failsOnAPlainRelay)
        let all = Set(Catalogue.checks.map(\.id))
        #expect(all.subtracting(tripped) == Self.untripped)
    }

    @Test(arguments: trips) func brokenSwitchFailsItsCheck(_ trip: (setting: String, check: String)) async throws {
        let relay = try ServedRelay(settings: [trip.setting, "purgatory_ttl=\(Int(Self.ttl))s", "sweep_interval=2s"])
        defer { relay.stop() }
        let results = try await run(relay, only: [trip.check], slow: true)
        #expect(results.map(\.id) == [trip.check])
        let result = try #require(results.first)
        #expect(result.verdict == .fail, "\(trip.setting) did not fail \(trip.check)")
        // Failed on what it checks, not because the server went quiet.
        // (A missing EOSE is what `NIP-01.req-eose` itself checks.)
        let quiet = ["no OK", "unreachable", "stopped answering"] + (trip.check == "NIP-01.req-eose" ? [] : ["no EOSE"])
        #expect(!quiet.contains { result.message.contains($0) }, "\(result.message)")
    }

    @Test func tableGroupsEachRequirementOnce() {
        let results = Catalogue.checks.map {
            CheckResult(id: $0.id, section: $0.section, level: $0.level, requirement: $0.requirement,
                        verdict: .pass, message: "", seconds: 0, transcript: [])
        }
        let headings = ConformReport.table(results).split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.contains("passed") }
        #expect(headings.count == Set(headings).count, "\(headings)")
    }

    @Test func unknownCheckNameIsAnError() throws {
        #expect(throws: ConformRunner.SelectionError.self) { try ConformRunner.select(["R99"]) }
    }

    @Test func everyRelaySwitchServeAcceptsHasACheck() throws {
        // The relay's broken variants, minus those serve refuses.
        let relayFaults = RelayConfig.keys.map(\.0).filter { $0.hasPrefix("fault.") && RelayServer.unavailableSettings[$0] == nil }
        let covered = Set(Self.trips.map { String($0.setting.split(separator: "=")[0]) })
        #expect(Set(relayFaults) == covered)
    }
}
