import Checks
import RelayProcess
import Scenario
import SimKernel
import Sync
import Testing

@testable import Harness

func syncScenario(_ file: String) throws -> Scenario {
    try ScenarioLoader.load(path: repoRoot + "/Scenarios/sync/" + file)
}

/// The sync family: each deliberately broken variant of the hunt queue, the throttle and
/// the reconciler (and SPEC §8.2 / §8.13) is caught by an invariant on a scenario of
/// `Scenarios/sync/`, which the reference holds.
@Suite struct SyncFamilyTrips {
    static let cases: [TripCase] = [
        TripCase(
            invariant: "data-found-means-released", scenario: "02-purgatory-announcement-urls.yaml",
            setting: "variant.sync_served_announcements_only"),
        TripCase(
            invariant: "throttle-bounds", scenario: "08-burst-many-repos.yaml",
            setting: "variant.sync_one_over_concurrency"),
        TripCase(
            invariant: "throttle-bounds", scenario: "08-burst-many-repos.yaml", setting: "variant.sync_fixed_window"),
        TripCase(invariant: "fairness", scenario: "08-burst-many-repos.yaml", setting: "variant.sync_no_round_robin"),
        TripCase(
            invariant: "backoff-schedule", scenario: "06-fresh-start.yaml", setting: "variant.sync_no_fresh_start"),
        TripCase(
            invariant: "backoff-schedule", scenario: "07-never-available.yaml", setting: "variant.sync_refetch_expired"),
        TripCase(
            invariant: "reconcile-outcome", scenario: "10-reconcile-diverged.yaml",
            setting: "variant.reconcile_swallow_rebase_failure"),
        TripCase(
            invariant: "reconcile-outcome", scenario: "09-reconcile-linear.yaml",
            setting: "variant.reconcile_single_branch_refspec"),
        TripCase(invariant: "expectations", scenario: "06-fresh-start.yaml", setting: "variant.sync_no_fresh_start"),
    ]

    @Test(arguments: cases) func brokenSyncIsCaught(_ c: TripCase) throws {
        try expectBrokenVariantCaught(
            try syncScenario(c.scenario), c.invariant, setting: (c.setting, "true"),
            referenceSeeds: 0..<5, brokenSeeds: 0..<10)
    }
}

@Suite struct SyncFamilyBehaviour {
    /// Every scenario of the family holds every invariant and expectation on a few seeds.
    @Test func referenceHoldsTheFamily() throws {
        let (scenarios, errors) = ScenarioLoader.loadAll(paths: [repoRoot + "/Scenarios/sync"])
        #expect(errors.isEmpty, "\(errors)")
        #expect(scenarios.count >= 8)
        for s in scenarios {
            for seed in UInt64(0)..<3 {
                let (r, _) = try Runner.runOne(s, seed: seed, options: RunOptions())
                #expect(r.violations.isEmpty, "\(s.name) seed \(seed): \(r.violations)")
            }
        }
    }

    /// The push inside the 180 s window means no fetch; without the push the hunt fetches.
    @Test func userEventWaitsForItsPush() throws {
        let s = try syncScenario("04-push-inside-user-window.yaml")
        let (_, w) = try Runner.runOne(s, seed: 1)
        let fetches = w.history.filter {
            if case .sync(_, .fetchStarted) = $0.item { return true } else { return false }
        }
        #expect(fetches.isEmpty)

        var noPush = s
        noPush.steps.removeAll { $0.id == "push" }
        noPush.expectations = []
        let (r2, w2) = try Runner.runOne(noPush, seed: 1)
        let first = w2.history.first { if case .sync(_, .fetchStarted) = $0.item { return true } else { return false } }
        let held = w2.history.first {
            if case .relay(_, .held(let e, _)) = $0.item, e.kind == 30618 { return true } else { return false }
        }
        #expect(first != nil && held != nil)
        if let first, let held {
            #expect(first.time - held.time >= Time.s(180))
            #expect(first.time - held.time <= Time.s(181))
        }
        #expect(r2.violations.isEmpty, "\(r2.violations)")
    }

    /// Objects split over three servers are combined: the state is served, and each of the
    /// three domains was fetched from.
    @Test func splitObjectsAreCombined() throws {
        let s = try syncScenario("03-objects-split-across-servers.yaml")
        let (r, w) = try Runner.runOne(s, seed: 2)
        #expect(r.violations.isEmpty, "\(r.violations)")
        var domains = Set<String>()
        for h in w.history {
            if case .sync(_, .fetchEnded(_, _, let d, _, let n)) = h.item, n > 0 { domains.insert(d) }
        }
        #expect(domains == ["mirror-a.example", "mirror-b.example", "mirror-c.example"])
    }

    /// A domain that keeps failing is blocked; a remote's 429 never blocks.
    @Test func failingDomainIsBlockedButRateLimitedIsNot() throws {
        let s = try syncScenario("05-rate-limited-and-down.yaml")
        let (r, w) = try Runner.runOne(s, seed: 3)
        #expect(r.violations.isEmpty, "\(r.violations)")
        var blocked: [String] = []
        var limited = 0
        for h in w.history {
            if case .sync(_, .domainBlocked(let d, _)) = h.item { blocked.append(d) }
            if case .sync(_, .fetchEnded(_, _, _, .rateLimited, _)) = h.item { limited += 1 }
        }
        #expect(blocked == ["mirror-b.example"])
        #expect(limited >= 2)
    }

    /// Reconciliation is deterministic per seed.
    @Test func sameSeedSameTraceForSync() throws {
        let s = try syncScenario("10-reconcile-diverged.yaml")
        let a = try Runner.runOne(s, seed: 9, options: RunOptions()).0
        let b = try Runner.runOne(s, seed: 9, options: RunOptions()).0
        #expect(a.traceHash == b.traceHash)
    }

    /// A push arriving while a reconciliation holds the repository is answered 503 with
    /// Retry-After, and succeeds on a retry once the reconciliation is done.
    @Test func pushDuringReconciliationGets503ThenSucceeds() throws {
        let s = try syncScenario("11-reconcile-unreachable.yaml")
        let (r, w) = try Runner.runOne(s, seed: 4)
        #expect(r.violations.isEmpty, "\(r.violations)")
        var busy = 0
        var outcomes: [String] = []
        for h in w.history {
            if case .pushAnswered("repush", _, _, _, let http?) = h.item, http.hasPrefix("503"),
                http.contains("reconciling")
            {
                busy += 1
            }
            if case .sync(_, .reconciled(let rec)) = h.item { outcomes.append(rec.outcome.rawValue) }
        }
        #expect(busy >= 1)
        #expect(outcomes == ["fetch-failed", "fast-forwarded"])
    }
}

@Suite struct ConflictBranchNames {
    @Test func namesAreRecognised() {
        #expect(Reconciler.isConflictBranchName(Reconciler.conflictBranchName(unixNow: 1_700_000_000)))
        #expect(Reconciler.isConflictBranchName("conflicts/2026-11-22T15-04-05Z-2"))
        #expect(!Reconciler.isConflictBranchName("conflicts/2026-11-22T15:04:05Z"))
        #expect(!Reconciler.isConflictBranchName("conflicts/2026-11-22"))
        #expect(!Reconciler.isConflictBranchName("conflict/2026-11-22T15-04-05Z"))
        #expect(!Reconciler.isConflictBranchName("conflicts/2026-11-22T15-04-05Z-"))
    }
}
