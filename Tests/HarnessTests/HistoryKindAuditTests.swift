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
///
/// Serialized and sampled (past the first few items of each kind per family, one in ten):
/// a dump per compared item is costly, and these runs share two cores with the servers
/// and git processes of other suites.
@Suite(.serialized) struct HistoryKindAuditTests {
    static let scenarioFiles: [String] = {
        let root = repoRoot + "/Scenarios"
        let families = ["arrival", "sync", "locks"]
        return families.flatMap { family in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + family)) ?? [])
                .filter { $0.hasSuffix(".yaml") }.sorted().map { family + "/" + $0 }
        }
    }()

    struct Outcome: Sendable {
        var findings: [String] = []
        /// Undeclared deliveries compared, over every seed.
        var compared = 0
        /// "family kind" pairs offered but never compared (the first few of each are always
        /// compared, so this stays empty unless the audit itself is broken).
        var neverCompared: [String] = []
    }

    /// Runs `file` for `seeds` under audit.
    static func audit(
        _ file: String, seeds: Range<UInt64>, overrides: [(String, String)] = [], stride: Int = 10,
        families: (@Sendable () -> [any InvariantFamily])? = nil
    ) throws -> Outcome {
        do {
            let s = try ScenarioLoader.load(path: repoRoot + "/Scenarios/" + file)
            var options = RunOptions(overrides: overrides)
            options.beforeRun = { w in
                if let families { w.checks.setFamilies(families()) }
                w.checks.kindAudit = HistoryKindAudit(stride: stride)
            }
            var out = Outcome()
            for seed in seeds {
                let (_, w) = try Runner.runOne(s, seed: seed, options: options)
                defer { w.recycle() }
                guard let audit = w.checks.kindAudit else { continue }
                out.findings += audit.findings.filter { !out.findings.contains($0) }
                out.compared += audit.compared.values.reduce(0) { $0 + $1.values.reduce(0, +) }
                for (family, kinds) in audit.offered {
                    for kind in kinds.keys where audit.compared[family]?[kind] ?? 0 == 0 {
                        out.neverCompared.append("\(family) \(kind)")
                    }
                }
            }
            return out
        }
    }

    static func expectClean(_ o: Outcome, _ what: String) {
        #expect(o.findings.isEmpty, "\(o.findings)")
        #expect(o.compared > 0, "the audit compared nothing on \(what)")
        #expect(o.neverCompared.isEmpty, "\(o.neverCompared)")
    }

    @Test func theSuiteFindsScenarios() { #expect(Self.scenarioFiles.count >= 30) }

    @Test(arguments: scenarioFiles) func everyFamilyReadsOnlyWhatItDeclares(_ file: String) throws {
        Self.expectClean(try Self.audit(file, seeds: 1..<2), file)
    }

    @Test(arguments: InvariantsTrip.cases) func brokenArrivalVariantsToo(_ c: TripCase) throws {
        let o = try Self.audit("arrival/" + c.scenario, seeds: 0..<2, overrides: [(c.setting, "true")])
        Self.expectClean(o, c.testDescription)
    }

    @Test(arguments: SyncFamilyTrips.cases) func brokenSyncVariantsToo(_ c: TripCase) throws {
        let o = try Self.audit("sync/" + c.scenario, seeds: 0..<2, overrides: [(c.setting, "true")])
        Self.expectClean(o, c.testDescription)
    }

    @Test(arguments: LockFamilyTrips.cases) func brokenLockVariantsToo(_ c: LockTrip) throws {
        let o = try Self.audit("locks/" + c.scenario, seeds: 0..<2, overrides: [(c.key, c.value)])
        Self.expectClean(o, c.testDescription)
    }

    /// The kind names the audit reports line up with the cases (a case added to
    /// `HistoryItem` without its bit, or its name, shows here).
    @Test func kindBitsAndNamesLineUp() {
        #expect(HistoryKinds.all.rawValue == (1 << HistoryKinds.count) - 1)
        let item = HistoryItem.fault("x")
        #expect(item.kindName == "fault")
        #expect(item.kind == .fault)
        #expect(HistoryItem.stepOutcome(step: "s", accepted: true, message: "").kindName == "stepOutcome")
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
        let findings = try Self.audit(
            "arrival/01-announce-state-push.yaml", seeds: 1..<2, families: { [CountsPublished()] }
        ).findings
        #expect(findings == ["CountsPublished changed its state on a published item it does not declare in `observes`"])
    }

    @Test func aFamilyReportingOnAnUndeclaredKindIsFound() throws {
        let findings = try Self.audit(
            "arrival/10-lossy-network.yaml", seeds: 1..<2, families: { [ReportsFaults()] }
        ).findings
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
