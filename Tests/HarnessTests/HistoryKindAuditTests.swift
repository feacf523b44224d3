import Foundation
import Scenario
import SimKernel
import Testing

@testable import Checks
@testable import Harness

/// Families are handed only the kinds of history item they declare (`observes`). These
/// tests hold every declaration to what the family does: each shipped scenario, and each
/// broken variant (whose runs report violations), runs under `HistoryKindAudit`, which
/// also hands families what they said they ignore and looks for any change.
@Suite struct HistoryKindAuditTests {
    static let scenarioFiles: [String] = {
        let root = repoRoot + "/Scenarios"
        let families = ["arrival", "sync", "locks"]
        return families.flatMap { family in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + family)) ?? [])
                .filter { $0.hasSuffix(".yaml") }.sorted().map { family + "/" + $0 }
        }
    }()

    /// Runs `file` for `seeds` under audit; returns the findings and how many undeclared
    /// deliveries were compared.
    static func audit(
        _ file: String, seeds: Range<UInt64>, overrides: [(String, String)] = [], stride: Int = 1,
        families: (@Sendable () -> [any InvariantFamily])? = nil
    ) throws -> (findings: [String], compared: Int) {
        let s = try ScenarioLoader.load(path: repoRoot + "/Scenarios/" + file)
        var options = RunOptions(overrides: overrides)
        options.beforeRun = { w in
            if let families { w.checks.setFamilies(families()) }
            w.checks.kindAudit = HistoryKindAudit(stride: stride)
        }
        var findings: [String] = []
        var compared = 0
        for seed in seeds {
            let (_, w) = try Runner.runOne(s, seed: seed, options: options)
            let audit = try #require(w.checks.kindAudit)
            findings += audit.findings.filter { !findings.contains($0) }
            compared += audit.compared
            w.recycle()
        }
        return (findings, compared)
    }

    @Test func theSuiteFindsScenarios() { #expect(Self.scenarioFiles.count >= 30) }

    @Test(arguments: scenarioFiles) func everyFamilyReadsOnlyWhatItDeclares(_ file: String) throws {
        // Lock runs are long: every third undeclared item still meets every kind many times.
        let (findings, compared) = try Self.audit(file, seeds: 1..<3, stride: file.hasPrefix("locks/") ? 5 : 1)
        #expect(findings.isEmpty, "\(findings)")
        #expect(compared > 0, "the audit compared nothing on \(file)")
    }

    @Test(arguments: InvariantsTrip.cases) func brokenVariantsToo(_ c: TripCase) throws {
        let (findings, compared) = try Self.audit(
            "arrival/" + c.scenario, seeds: 0..<3, overrides: [(c.setting, "true")])
        #expect(findings.isEmpty, "\(findings)")
        #expect(compared > 0)
    }

    /// A family that declares `relay` but counts what clients publish.
    final class CountsPublished: InvariantFamily, @unchecked Sendable {
        static let invariants: Set<InvariantName> = [.okNamesSentEvent]
        static let observes: HistoryKinds = [.relay]
        var published = 0
        func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
            if case .published = entry.item { published += 1 }
        }
    }

    /// A family that declares nothing but reports on faults.
    final class ReportsFaults: InvariantFamily {
        static let invariants: Set<InvariantName> = [.okNamesSentEvent]
        static let observes: HistoryKinds = []
        func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
            if case .fault = entry.item { violations.fail(.okNamesSentEvent, entry.time, "test", "a fault") }
        }
    }

    @Test func aFamilyChangedByAnUndeclaredKindIsFound() throws {
        let (findings, _) = try Self.audit(
            "arrival/01-announce-state-push.yaml", seeds: 1..<2, families: { [CountsPublished()] })
        #expect(findings == ["CountsPublished changed its state on a published item it does not declare in `observes`"])
    }

    @Test func aFamilyReportingOnAnUndeclaredKindIsFound() throws {
        let (findings, _) = try Self.audit(
            "arrival/10-lossy-network.yaml", seeds: 1..<2, families: { [ReportsFaults()] })
        #expect(findings == ["ReportsFaults reported a violation on a fault item it does not declare in `observes`"])
    }

    /// Without the audit, a family is handed only what it declares.
    @Test func undeclaredKindsAreNotDelivered() throws {
        let s = try ScenarioLoader.load(path: repoRoot + "/Scenarios/arrival/01-announce-state-push.yaml")
        let family = CountsPublished()
        var options = RunOptions()
        options.beforeRun = { [family] w in w.checks.setFamilies([family]) }
        let (_, w) = try Runner.runOne(s, seed: 1, options: options)
        w.recycle()
        #expect(family.published == 0)
    }
}
