import Foundation
import Scenario
import SimKernel
import Sync
import Testing

@testable import Checks
@testable import Harness

/// Mistakes planted through test doubles (never a shipped switch): each is caught by a
/// check that computes the right answer on its own instead of asking the code it checks.
@Suite struct PlantedMistakes {
    /// Runs seeds with the deployment adjusted; returns the first seed's violations of
    /// `invariant`, or nil.
    func caught(
        _ s: Scenario, _ invariant: InvariantName, seeds: Range<UInt64> = 0..<10,
        _ adjust: @escaping @Sendable (inout DeploymentSettings) -> Void
    ) throws -> [Violation]? {
        var options = RunOptions()
        options.adjustDeployment = adjust
        for seed in seeds {
            let (r, w) = try Runner.runOne(s, seed: seed, options: options)
            w.recycle()
            let hits = r.violations.filter { $0.invariant == invariant }
            if !hits.isEmpty { return hits }
        }
        return nil
    }

    /// The check's backoff arithmetic: min(20 s · 2ⁿ, 120 s), saturating.
    @Test func backoffArithmetic() {
        let got = (0..<8).map { CheckSuite.expectedBackoff(base: Time.s(20), cap: Time.s(120), failedAttempts: $0) }
        #expect(got == [20, 40, 80, 120, 120, 120, 120, 120].map { Time.s($0) })
        #expect(CheckSuite.expectedBackoff(base: Time.s(20), cap: Time.s(120), failedAttempts: 500) == Time.s(120))
        #expect(CheckSuite.expectedBackoff(base: Time.day, cap: Time.day * 400, failedAttempts: 61) == Time.day * 400)
    }

    /// A backoff that doubles once too often: the schedule the check computes itself
    /// disagrees with the queue's (before, the check called the queue's own rule).
    @Test func backoffDoublingOnceTooOftenIsCaught() throws {
        let s = try syncScenario("07-never-available.yaml")
        let hits = try caught(s, .backoffSchedule) { d in
            let (base, cap) = (d.sync.backoffBase, d.sync.backoffCap)
            d.sync.backoffHook = TestHook { n in min(base * (Int64(1) << Int64(min(n + 1, 40))), cap) }
        }
        #expect(hits?.first?.message.contains("was due at") == true)
    }

    /// A backoff that never holds its cap (keeps doubling past 120 s) is caught once the
    /// data stays missing long enough for the backoff to reach the cap.
    @Test func backoffPastTheCapIsCaught() throws {
        let s = try syncScenario("07-never-available.yaml")
        let hits = try caught(s, .backoffSchedule) { d in
            let base = d.sync.backoffBase
            d.sync.backoffHook = TestHook { n in base * (Int64(1) << Int64(min(n, 40))) }
        }
        #expect(hits != nil)
    }

    /// The reference holds the scenario the planted mistakes run on.
    @Test func referenceHolds() throws {
        let s = try syncScenario("07-never-available.yaml")
        #expect(try caught(s, .backoffSchedule) { _ in } == nil)
    }

    /// Two replicas whose maintenance cycles each hold a repository's lease for 45 s,
    /// longer than the 30 s ttl, on a healthy network: only heartbeats keep the leases.
    static let longHolds = """
        name: long-holds
        duration: 10m
        config: { replica.cycle_step: 15s, replica.cycle_interval: 20s }
        relays: [ { name: relay, domain: relay.test, replicas: 2 } ]
        actors: [alice]
        repos:
          - { name: r1, owner: alice, commits: [ { name: c1 } ] }
        steps:
          - { id: ann, at: 0s, actor: alice, announce: r1 }
          - { id: st, at: 5s, actor: alice, state: { repo: r1, refs: { refs/heads/main: c1 }, head: refs/heads/main } }
          - { id: push, at: 10s, actor: alice, push: { repo: r1, refs: { refs/heads/main: c1 } }, retry: { every: 5s, for: 3m } }
        """

    /// Heartbeats too rare to keep a lease (every 1.2 ttl): leases lapse under running,
    /// reachable holders. Before `lease-kept-alive`, every check passed.
    @Test func heartbeatTooRareIsCaught() throws {
        let s = try ScenarioLoader.parse(yaml: Self.longHolds, file: "long-holds.yaml")
        #expect(try caught(s, .leaseKeptAlive, seeds: 0..<5) { _ in } == nil)
        let hits = try caught(s, .leaseKeptAlive, seeds: 0..<5) { d in
            d.lock.heartbeatHook = TestHook { period in period * 36 / 10 }
        }
        #expect(hits?.first?.message.contains("heartbeats every 10.000s should have kept it") == true)
    }

    /// A crashed holder's lease that lives eight ttls: the repository stays locked for
    /// minutes after the crash. Before `lock-freed-after-crash`, every check passed.
    @Test func leaseOutlivingItsCrashedHolderIsCaught() throws {
        let yaml =
            Self.longHolds.replacingOccurrences(of: "name: long-holds", with: "name: crashed-holder")
            + "\nfaults:\n  - { at: 40s..3m, for: 2m, crash: relay#0 }\n  - { at: 40s..3m, for: 2m, crash: relay#1 }\n"
        let s = try ScenarioLoader.parse(yaml: yaml, file: "crashed-holder.yaml")
        #expect(try caught(s, .lockFreedAfterCrash, seeds: 0..<8) { _ in } == nil)
        let hits = try caught(s, .lockFreedAfterCrash, seeds: 0..<8) { d in
            d.lock.leaseTimeHook = TestHook { ttl in ttl * 8 }
        }
        #expect(hits?.first?.message.contains("beyond the bound of 31.040s") == true)
    }

    /// A relay that forgets to extend a waiting announcement when a state arrives late in
    /// its window expires it at the original deadline; the check computes the extended
    /// deadline itself and reports the early expiry (before, it took the relay's word).
    @Test func forgottenAnnouncementExtensionIsCaught() throws {
        let s = try arrival("16-late-state-extends-announcement.yaml")
        var options = RunOptions()
        options.adjustRelayConfig = { c in
            c.decisionHook = TestHook { d in
                if case .extendAnnouncement = d { return false }
                return d.reference
            }
        }
        var hit: Violation?
        for seed in UInt64(0)..<5 {
            let (r, w) = try Runner.runOne(s, seed: seed, options: options)
            w.recycle()
            if let v = r.violations.first(where: { $0.invariant == .purgatoryExitTiming }) {
                hit = v
                break
            }
        }
        #expect(hit?.message.contains("before its deadline") == true)
        for seed in UInt64(0)..<5 {
            let (r, w) = try Runner.runOne(s, seed: seed)
            w.recycle()
            #expect(r.passed, "\(r.violations.map(\.description))")
        }
    }

    /// Fault spans for the lock checks: identical faults close one at a time, healing
    /// closes the rest (faults without a duration end there), so judging resumes.
    @Test func faultSpansCloseAtTheirEndOrAtHealing() {
        var f = FaultSpans()
        f.note("start pause(relay#0)", 10)
        f.note("start pause(relay#0)", 20)
        f.note("end pause(relay#0)", 30)
        #expect(!f.free(from: 31, to: 40))  // the second is still open
        f.note("heal", 50)
        #expect(f.free(from: 51, to: 100))
        #expect(!f.free(from: 45, to: 49))
    }
}
