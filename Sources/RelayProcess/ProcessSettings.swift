import SimKernel
import Relay
import Coordination
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

    public static let keys: [(String, String)] = [
        ("fencing", "fencing tokens on grants and in storage (bool, default true)"),
        ("lock.ttl", "lease time to live (duration, default 30s)"),
        ("lock.heartbeat_fraction", "heartbeat period as a fraction of the ttl (default 0.333)"),
        ("lock.retry_budget", "push/advertisement acquisition budget (duration, default 5s)"),
        ("lock.retry_initial", "first retry delay (duration, default 100ms)"),
        ("lock.retry_max", "largest retry delay (duration, default 500ms)"),
        ("lock.command_timeout", "lock command timeout (duration, default 1s)"),
        ("replica.cycle_interval", "background cycle period (duration, default 15s)"),
        ("replica.cycle_step", "duration of each maintenance step (duration, default 1s)"),
        ("fault.plain_delete_release", "SPEC §8.3: release with DEL (bool)"),
        ("fault.heartbeat_without_compare", "SPEC §8.4: heartbeat with plain PEXPIRE (bool)"),
        ("fault.no_cycle_guard", "SPEC §8.6: no re-entrancy guard on cycles (bool)"),
        ("fault.unserialized_advertisement", "SPEC §8.7: advertisement outside the lock, unpinned (bool)"),
        ("fault.no_push_retry", "SPEC §8.8: no bounded retry on push/advertisement (bool)"),
        ("fault.late_503", "SPEC §8.9: 503 after the first ref update (bool)"),
        ("fault.leak_cycle_lock", "checker validation: cycles never release their lock (bool)"),
        ("sync.user_delay", "hunt delay after a user-submitted event (duration, default 180s)"),
        ("sync.synced_delay", "hunt delay after an event from another relay (duration, default 500ms)"),
        ("sync.tick", "sync loop period (duration, default 1s)"),
        ("sync.backoff_base", "backoff after the first failed attempt, doubling (duration, default 20s)"),
        ("sync.backoff_cap", "largest backoff (duration, default 120s)"),
        ("sync.domain_concurrency", "fetches in flight per domain (int, default 5)"),
        ("sync.domain_rate", "fetches started per domain per window (int, default 30)"),
        ("sync.rate_window", "the sliding rate window (duration, default 60s)"),
        ("sync.block_after_failures", "consecutive failures that block a domain (int, default 3)"),
        ("sync.block_duration", "how long a failing domain stays blocked (duration, default 12h)"),
        ("sync.give_up_after", "hunts end this long after their last event (duration, default 30m)"),
        ("sync.fetch_timeout", "a sync fetch or reconcile request fails after this (duration, default 30s)"),
        ("fault.sync_one_over_concurrency", "broken throttle: one fetch over the concurrency limit (bool)"),
        ("fault.sync_fixed_window", "broken throttle: fixed instead of sliding rate window (bool)"),
        ("fault.sync_no_fresh_start", "broken queue: a new event does not reset the attempt count (bool)"),
        ("fault.sync_no_round_robin", "broken throttle: queued identifiers served in name order (bool)"),
        ("fault.sync_served_announcements_only", "SPEC §8.2: clone URLs of purgatory announcements ignored (bool)"),
        ("fault.sync_refetch_expired", "SPEC §8.13: expired synced identifiers hunted again (bool)"),
        ("fault.reconcile_single_branch_refspec", "SPEC §7: fetch without the explicit refspec (bool)"),
        ("fault.reconcile_swallow_rebase_failure", "SPEC §7: a failing rebase step is ignored (bool)"),
    ]

    /// Sets one key; false when the key is not one of this struct's.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        func dur() throws -> SimDuration { try parseDuration(value, key: key) }
        func bool() throws -> Bool { try parseBool(value, key: key) }
        func fraction() throws -> Double {
            guard let d = Double(value), d >= 0, d <= 1 else { throw ConfigValueError(key: key, value: value, expected: "a number from 0 to 1") }
            return d
        }
        func count() throws -> Int {
            guard let n = Int(value), n >= 1 else { throw ConfigValueError(key: key, value: value, expected: "a whole number of at least 1") }
            return n
        }
        func positive(_ d: SimDuration) throws -> SimDuration {
            guard d > 0 else { throw ConfigValueError(key: key, value: value, expected: "a duration longer than 0") }
            return d
        }
        switch key {
        case "fencing": lock.fencing = try bool()
        case "lock.ttl": lock.ttl = try dur()
        case "lock.heartbeat_fraction": lock.heartbeatFraction = try fraction()
        case "lock.retry_budget": lock.retryBudget = try dur()
        case "lock.retry_initial": lock.retryInitial = try dur()
        case "lock.retry_max": lock.retryMax = try dur()
        case "lock.command_timeout": lock.commandTimeout = try dur()
        case "replica.cycle_interval": cycleInterval = try dur()
        case "replica.cycle_step": cycleStep = try dur()
        case "fault.plain_delete_release": lock.faultPlainDeleteRelease = try bool()
        case "fault.heartbeat_without_compare": lock.faultHeartbeatWithoutCompare = try bool()
        case "fault.no_cycle_guard": faultNoCycleGuard = try bool()
        case "fault.unserialized_advertisement": faultUnserializedAdvertisement = try bool()
        case "fault.no_push_retry": lock.faultNoPushRetry = try bool()
        case "fault.late_503": faultLate503 = try bool()
        case "fault.leak_cycle_lock": faultLeakCycleLock = try bool()
        case "sync.user_delay": sync.userDelay = try dur()
        case "sync.synced_delay": sync.syncedDelay = try dur()
        case "sync.tick": sync.tick = try positive(dur())
        case "sync.backoff_base": sync.backoffBase = try dur()
        case "sync.backoff_cap": sync.backoffCap = try dur()
        case "sync.domain_concurrency": sync.domainConcurrency = try count()
        case "sync.domain_rate": sync.domainRate = try count()
        case "sync.rate_window": sync.rateWindow = try positive(dur())
        case "sync.block_after_failures": sync.blockAfterFailures = try count()
        case "sync.block_duration": sync.blockDuration = try dur()
        case "sync.give_up_after": sync.giveUpAfter = try dur()
        case "sync.fetch_timeout": remoteTimeout = try positive(dur())
        case "fault.sync_one_over_concurrency": sync.faultOneOverConcurrency = try bool()
        case "fault.sync_fixed_window": sync.faultFixedWindow = try bool()
        case "fault.sync_no_fresh_start": sync.faultNoFreshStart = try bool()
        case "fault.sync_no_round_robin": sync.faultNoRoundRobin = try bool()
        case "fault.sync_served_announcements_only": sync.faultPurgatoryAnnouncementsIgnored = try bool()
        case "fault.sync_refetch_expired": sync.faultRefetchExpired = try bool()
        case "fault.reconcile_single_branch_refspec": reconcile.faultSingleBranchRefspec = try bool()
        case "fault.reconcile_swallow_rebase_failure": reconcile.faultSwallowRebaseFailure = try bool()
        default: return false
        }
        return true
    }
}
