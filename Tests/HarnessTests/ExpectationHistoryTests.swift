import Foundation
import Scenario
import SimKernel
import Testing

@testable import Harness

/// A sweep's runs keep only the history entries expectations read
/// (`HistoryItem.readByExpectations`). Every fact `RunFacts` takes from the history must
/// come out the same as from the whole history, for every shipped scenario.
@Suite struct ExpectationHistoryTests {
    /// Every history-derived fact of a finished run, as one comparable text.
    static func facts(_ w: World) -> [String] {
        var out: [String] = []
        for step in w.scenario.steps {
            let id = w.publishedEventID(step: step.id)
            out.append("\(step.id) published \(id ?? "-")")
            if let id {
                out.append("\(step.id) served \(w.servedTime(eventID: id).map(String.init) ?? "-")")
                out.append("\(step.id) expired \(w.expiryTime(eventID: id).map(String.init) ?? "-")")
            }
            out.append("\(step.id) outcome \(w.outcome(step: step.id).map { "\($0.accepted) \($0.message)" } ?? "-")")
        }
        for repo in w.scenario.repos {
            out.append("\(repo.name) reconciled \(w.lastReconciliation(repo: repo.name) ?? "-")")
            out.append("\(repo.name) fetches \(w.syncFetches(repo: repo.name))")
        }
        return out
    }

    @Test(arguments: HistoryKindAuditTests.scenarioFiles)
    func factsAreTheSameWithoutTheWholeHistory(_ file: String) throws {
        let s = try ScenarioLoader.load(path: repoRoot + "/Scenarios/" + file)
        for seed: UInt64 in [1, 2] {
            let (full, whole) = try Runner.runOne(s, seed: seed)
            defer { whole.recycle() }
            var options = RunOptions()
            options.keepHistory = false
            let (kept, part) = try Runner.runOne(s, seed: seed, options: options)
            defer { part.recycle() }
            #expect(Self.facts(part) == Self.facts(whole), "\(file) seed \(seed)")
            #expect(kept.violations.map(\.message) == full.violations.map(\.message), "\(file) seed \(seed)")
            #expect(kept.traceHash == full.traceHash)
            // The filter keeps a part: the comparison above is not between two whole histories.
            #expect(part.history.count < whole.history.count, "\(file) seed \(seed)")
        }
    }

    /// The comparison trips when a kind a fact reads is missing: without the step outcomes
    /// and the served entries, the facts differ.
    @Test func droppingAKindChangesTheFacts() throws {
        let s = try ScenarioLoader.load(path: repoRoot + "/Scenarios/arrival/01-announce-state-push.yaml")
        let (_, w) = try Runner.runOne(s, seed: 1)
        defer { w.recycle() }
        let before = Self.facts(w)
        w.history.removeAll { h in
            switch h.item {
            case .stepOutcome, .relay(_, .served): return true
            default: return false
            }
        }
        #expect(Self.facts(w) != before)
    }
}
