import Conformance
import Foundation
import Testing

/// The NIP-01 section of `graspsim conform` against nostr-sdk's `LocalRelay` (rust-nostr,
/// from PyPI): what that relay really does. docs/conformance.md records the result.
@Suite struct LocalRelayConformanceTests {
    /// The GRASP checks a plain Nostr relay (no git, no purgatory, no NIP-11) fails: every
    /// R-check but the acceptance ones a permissive relay passes by nature.
    static var failsOnAPlainRelay: Set<String> {
        Set(Catalogue.checks.filter { $0.section.hasPrefix("R") && !$0.slow }.map(\.id))
            .subtracting(ConformanceTests.misconfiguredDomainTrips)
            // A permissive relay accepts and serves orphans: one of the choices R3 allows.
            .subtracting(["R3.orphan-choice"])
    }

    private func withLocalRelay(_ body: (String) async throws -> Void) async throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try NostrSdkPeerTests.python())
        p.arguments = [NostrSdkPeerTests.script, "local-relay"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Stopped by PID (its runtime does not stop on SIGTERM).
        defer {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        var url = ""
        while url.isEmpty {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            url = String(decoding: chunk, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        }
        try #require(url.hasPrefix("ws://"), "LocalRelay did not start")
        try await body(url)
    }

    @Test func graspChecksFailOnAPlainRelay() async throws {
        try await withLocalRelay { url in
            var options = ConformOptions(target: url)
            options.only = Self.failsOnAPlainRelay.sorted()
            let results = try await asClient { [options] in try await ConformRunner.run(options) }
            #expect(results.count == Self.failsOnAPlainRelay.count)
            #expect(
                results.allSatisfy { $0.verdict == .fail },
                "passed on a plain relay: \(results.filter { $0.verdict != .fail }.map(\.id))")
        }
    }

    @Test func nip01SectionAgainstNostrSdkLocalRelay() async throws {
        try await withLocalRelay { url in
            var options = ConformOptions(target: url)
            options.only = ["NIP-01"]
            let results = try await asClient { [options] in try await ConformRunner.run(options) }
            #expect(results.count == Catalogue.checks.filter { $0.section == "NIP-01" }.count)
            // What it does (recorded in docs/conformance.md); a change shows up here.
            let verdicts = Dictionary(uniqueKeysWithValues: results.map { ($0.id, $0.verdict) })
            print(
                "LocalRelay NIP-01:",
                results.map { "\($0.id)=\($0.verdict.rawValue) \($0.message)" }.joined(separator: "; "))
            for id in [
                "NIP-01.req-eose", "NIP-01.bad-signature", "NIP-01.bad-id", "NIP-01.invalid-json",
                "NIP-01.limit-newest-first", "NIP-01.addressable-tie-break",
            ] {
                #expect(verdicts[id] == .pass, "\(id): \(results.first { $0.id == id }?.message ?? "")")
            }
        }
    }
}
