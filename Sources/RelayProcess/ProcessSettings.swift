import Coordination
import Relay
import SimKernel
import Sync

/// How a relay process behaves around its core: the lock client, the background
/// maintenance cycle, git-data sync and upstream reconciliation — with the deliberately
/// broken variants of that behaviour (SPEC §7, §8), which live here beside it.
public struct ProcessSettings: Sendable {
    public var lock = LockOptions()
    /// Background maintenance cycle period per replica.
    public var cycleInterval: SimDuration = Time.s(15)
    /// Duration of each step of the multi-step maintenance write.
    public var cycleStep: SimDuration = Time.s(1)
    /// The git-data hunt queue and its per-domain throttle (SPEC §5).
    public var sync = SyncConfig()
    /// A sync fetch or reconcile request with no answer fails after this long.
    public var remoteTimeout: SimDuration = Time.s(30)
    /// Upstream reconciliation variants (SPEC §7).
    public var reconcile = ReconcilerOptions()
    // Deliberately broken replica behaviour (SPEC §8):
    /// §8.6: no re-entrancy guard on the background poll loop.
    public var faultNoCycleGuard = false
    /// §8.7: the advertisement is neither taken under the lock nor pinned to the default branch.
    public var faultUnserializedAdvertisement = false
    /// §8.9: the 503 is sent after the first ref update was applied.
    public var faultLate503 = false
    /// Checker validation: a finished cycle never releases its lock (its heartbeat keeps
    /// the lease alive).
    public var faultLeakCycleLock = false

    public init() {}
}

extension ProcessSettings: Configurable {
    public static let settings: [Setting<ProcessSettings>] = [
        .flag("fencing", \.lock.fencing, "fencing tokens on grants and in storage"),
        .duration("lock.ttl", \.lock.ttl, "lease time to live", Time.ms(100)...Time.hour),
        .number(
            "lock.heartbeat_fraction", \.lock.heartbeatFraction,
            "heartbeat period as a fraction of the ttl (below 1: the lease must not lapse between heartbeats)",
            0.05...0.9),
        .duration(
            "lock.retry_budget", \.lock.retryBudget, "push/advertisement acquisition budget", Time.ms(1)...Time.min(10)),
        .duration("lock.retry_initial", \.lock.retryInitial, "first retry delay", Time.ms(1)...Time.min(1)),
        .duration("lock.retry_max", \.lock.retryMax, "largest retry delay", Time.ms(1)...Time.min(10)),
        .duration("lock.command_timeout", \.lock.commandTimeout, "lock command timeout", Time.ms(1)...Time.min(1)),
        .duration("replica.cycle_interval", \.cycleInterval, "background cycle period", Time.ms(100)...Time.day),
        .duration("replica.cycle_step", \.cycleStep, "duration of each maintenance step", Time.ms(1)...Time.hour),
        .flag("variant.plain_delete_release", \.lock.faultPlainDeleteRelease, "SPEC §8.3: release with DEL"),
        .flag(
            "variant.heartbeat_without_compare", \.lock.faultHeartbeatWithoutCompare,
            "SPEC §8.4: heartbeat with plain PEXPIRE"),
        .flag("variant.no_cycle_guard", \.faultNoCycleGuard, "SPEC §8.6: no re-entrancy guard on cycles"),
        .flag(
            "variant.unserialized_advertisement", \.faultUnserializedAdvertisement,
            "SPEC §8.7: advertisement outside the lock, unpinned"),
        .flag("variant.no_push_retry", \.lock.faultNoPushRetry, "SPEC §8.8: no bounded retry on push/advertisement"),
        .flag("variant.late_503", \.faultLate503, "SPEC §8.9: 503 after the first ref update"),
        .flag("variant.leak_cycle_lock", \.faultLeakCycleLock, "checker validation: cycles never release their lock"),
        .duration("sync.user_delay", \.sync.userDelay, "hunt delay after a user-submitted event", 0...Time.day),
        .duration(
            "sync.synced_delay", \.sync.syncedDelay, "hunt delay after an event from another relay", 0...Time.day),
        .duration("sync.tick", \.sync.tick, "sync loop period", Time.ms(1)...Time.hour),
        .duration(
            "sync.backoff_base", \.sync.backoffBase, "backoff after the first failed attempt, doubling",
            Time.ms(1)...Time.day),
        .duration("sync.backoff_cap", \.sync.backoffCap, "largest backoff", Time.ms(1)...Time.day * 30),
        .count("sync.domain_concurrency", \.sync.domainConcurrency, "fetches in flight per domain", 1...10_000),
        .count("sync.domain_rate", \.sync.domainRate, "fetches started per domain per window", 1...1_000_000),
        .duration("sync.rate_window", \.sync.rateWindow, "the sliding rate window", Time.ms(1)...Time.day),
        .count(
            "sync.block_after_failures", \.sync.blockAfterFailures, "consecutive failures that block a domain",
            1...10_000),
        .duration(
            "sync.block_duration", \.sync.blockDuration, "how long a failing domain stays blocked", 0...Time.day * 365),
        .duration(
            "sync.give_up_after", \.sync.giveUpAfter, "hunts end this long after their last event",
            Time.s(1)...Time.day * 365),
        .duration(
            "sync.fetch_timeout", \.remoteTimeout, "a sync fetch or reconcile request fails after this",
            Time.ms(1)...Time.hour),
        .flag(
            "variant.sync_one_over_concurrency", \.sync.faultOneOverConcurrency,
            "broken throttle: one fetch over the concurrency limit"),
        .flag(
            "variant.sync_fixed_window", \.sync.faultFixedWindow,
            "broken throttle: fixed instead of sliding rate window"),
        .flag(
            "variant.sync_no_fresh_start", \.sync.faultNoFreshStart,
            "broken queue: a new event does not reset the attempt count"),
        .flag(
            "variant.sync_no_round_robin", \.sync.faultNoRoundRobin,
            "broken throttle: queued identifiers served in name order"),
        .flag(
            "variant.sync_served_announcements_only", \.sync.faultPurgatoryAnnouncementsIgnored,
            "SPEC §8.2: clone URLs of purgatory announcements ignored"),
        .flag(
            "variant.sync_refetch_expired", \.sync.faultRefetchExpired,
            "SPEC §8.13: expired synced identifiers hunted again"),
        .flag(
            "variant.reconcile_single_branch_refspec", \.reconcile.faultSingleBranchRefspec,
            "SPEC §7: fetch without the explicit refspec"),
        .flag(
            "variant.reconcile_swallow_rebase_failure", \.reconcile.faultSwallowRebaseFailure,
            "SPEC §7: a failing rebase step is ignored"),
    ]

    public func consistencyProblems() -> [String] {
        var problems: [String] = []
        if lock.retryMax < lock.retryInitial {
            problems.append(
                "lock.retry_max (\(DurationText.format(lock.retryMax))) is below lock.retry_initial (\(DurationText.format(lock.retryInitial)))"
            )
        }
        if lock.commandTimeout >= lock.ttl {
            problems.append(
                "lock.command_timeout (\(DurationText.format(lock.commandTimeout))) must be below lock.ttl (\(DurationText.format(lock.ttl)))"
            )
        }
        if sync.backoffCap < sync.backoffBase {
            problems.append(
                "sync.backoff_cap (\(DurationText.format(sync.backoffCap))) is below sync.backoff_base (\(DurationText.format(sync.backoffBase)))"
            )
        }
        return problems
    }
}
