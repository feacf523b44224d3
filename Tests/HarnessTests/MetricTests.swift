import Foundation
import Harness
import Scenario
import Testing

/// Each metric moves the right way when its cause is switched on, and stays at zero
/// without it. Sums over a fixed seed range (deterministic).
@Suite struct MetricTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The sum over seeds 0..<seeds of one metric.
    func total(
        _ file: String, _ metric: MetricName, seeds: UInt64 = 8, set: [(String, String)] = [], swarm: Bool = false
    ) throws -> Double {
        let s = try ScenarioLoader.load(path: Self.root + "/Scenarios/" + file)
        var sum = 0.0
        for seed in 0..<seeds {
            let (r, w) = try Runner.runOne(s, seed: seed, options: RunOptions(overrides: set), swarm: swarm)
            w.recycle()
            sum += try #require(r.metrics[metric.name], "no \(metric.name)")
        }
        return sum
    }

    @Test func everyMetricIsMeasuredInEveryRun() throws {
        let s = try ScenarioLoader.load(path: Self.root + "/Scenarios/locks/10-replicated-ordinary-flow.yaml")
        let (r, w) = try Runner.runOne(s, seed: 1)
        w.recycle()
        #expect(Set(r.metrics.keys) == Set(MetricName.all.map(\.name)))
        // A metric is its name (equality and hashing read only the name).
        #expect(Set(MetricName.all.map(\.name)).count == MetricName.all.count)
        #expect(Set(MetricName.all).count == MetricName.all.count)
    }

    @Test func a503AppearsAsTheRetryBudgetShrinks() throws {
        let generous = try total("locks/04-lock-failover.yaml", .push503, set: [("lock.retry_budget", "20s")])
        let tight = try total("locks/04-lock-failover.yaml", .push503, set: [("lock.retry_budget", "500ms")])
        #expect(tight > generous, "503s: budget 500ms \(tight), 20s \(generous)")
        let unwritableTight = try total(
            "locks/04-lock-failover.yaml", .unwritable, set: [("lock.retry_budget", "500ms")])
        #expect(unwritableTight > 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .push503) == 0)
    }

    @Test func fencingRefusalsOnlyWithAStaleWriter() throws {
        #expect(try total("locks/gc-pause.yaml", .fencingRefused) > 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .fencingRefused) == 0)
        // Without fencing nothing is refused: the stale writer's writes land.
        #expect(try total("locks/gc-pause.yaml", .fencingRefused, set: [("fencing", "false")]) == 0)
    }

    @Test func leaseExpiriesAndTakeoversOnlyWhenAHolderStalls() throws {
        #expect(try total("locks/gc-pause.yaml", .lockExpiries) > 0)
        #expect(try total("locks/gc-pause.yaml", .lockTakeovers) > 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .lockExpiries) == 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .lockTakeovers) == 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .lockGrants) > 0)
    }

    /// A lease too short for the faults of a swarm run is lost mid-operation; a healthy
    /// run loses none.
    @Test func abortedOperationsWhenLeasesAreLost() throws {
        #expect(
            try total("locks/04-lock-failover.yaml", .lockAborted, seeds: 10, set: [("lock.ttl", "2s")], swarm: true)
                > 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .lockAborted, seeds: 4) == 0)
    }

    /// Pushes racing maintenance under faults find refs moved under them.
    @Test func stalePushesUnderFaults() throws {
        #expect(
            try total(
                "locks/06-cycles-vs-pushes.yaml", .pushRejectedStale, seeds: 10,
                set: [("lock.heartbeat_fraction", "0.9")], swarm: true) > 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .pushRejectedStale, seeds: 4) == 0)
    }

    /// A heartbeat arriving after the lease lapsed is refused by the service; none are in a
    /// healthy run.
    @Test func refusedHeartbeatsWhenAHolderStalls() throws {
        let shortLease = [("lock.ttl", "10s"), ("lock.heartbeat_fraction", "0.5")]
        #expect(try total("../docs/cookbook/gc-pauses.yaml", .heartbeatsRefused, set: shortLease) > 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .heartbeatsRefused, seeds: 4) == 0)
    }

    /// Many repositories hunted from one domain wait for its throttle; one does not.
    @Test func throttleWaitsWhenADomainIsBusy() throws {
        #expect(try total("sync/08-burst-many-repos.yaml", .syncThrottleWaits, seeds: 2) > 0)
        #expect(try total("sync/01-synced-state-from-mirror.yaml", .syncThrottleWaits, seeds: 2) == 0)
    }

    @Test func failoversAreCounted() throws {
        #expect(try total("locks/04-lock-failover.yaml", .lockFailovers, seeds: 2) == 2)
        #expect(try total("locks/gc-pause.yaml", .lockFailovers, seeds: 2) == 0)
    }

    @Test func pushOutcomesFollowTheirCauses() throws {
        // Racing pushes: most are refused for want of an authorizing state.
        #expect(try total("locks/01-racing-pushes.yaml", .pushRejectedAuthorization, seeds: 2) > 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .pushRejectedAuthorization, seeds: 2) == 0)
        let attempts = try total("locks/10-replicated-ordinary-flow.yaml", .pushAttempts, seeds: 2)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .pushAccepted, seeds: 2) == attempts)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .pushLatencyMax, seeds: 2) > 0)
    }

    @Test func syncMetricsOnlyWhereDataIsFetched() throws {
        #expect(try total("sync/01-synced-state-from-mirror.yaml", .syncFetches, seeds: 2) > 0)
        #expect(try total("locks/10-replicated-ordinary-flow.yaml", .syncFetches, seeds: 2) == 0)
        #expect(try total("sync/05-rate-limited-and-down.yaml", .syncDomainsBlocked, seeds: 2) > 0)
        #expect(try total("sync/07-never-available.yaml", .syncBackoffCapped, seeds: 2) > 0)
        #expect(try total("sync/01-synced-state-from-mirror.yaml", .syncDomainsBlocked, seeds: 2) == 0)
    }

    @Test func purgatoryReleaseTimeGrowsWithTheDelay() throws {
        #expect(try total("arrival/01-announce-state-push.yaml", .releaseMax, seeds: 2) > 0)
    }
}
