// GRASP-02 proactive git-data sync: tunables (SPEC §5) and deliberately broken variants.
import SimKernel

/// Constants of the sync queue and its per-domain throttle. Defaults are the reference
/// values of SPEC §5. The `fault…` flags switch on known-broken behaviours so that
/// scenarios and invariants can prove they catch them; all are off by default.
public struct SyncConfig: Sendable, Equatable {
    /// Delay before the first attempt after a user-submitted event (a push is expected).
    public var userDelay: SimDuration = Time.s(180)
    /// Delay before the first attempt after an event received from another relay.
    public var syncedDelay: SimDuration = Time.ms(500)
    /// Period of the sync loop.
    public var tick: SimDuration = Time.s(1)
    /// Backoff per identifier: `backoffBase × 2^attempt`, capped at `backoffCap`.
    public var backoffBase: SimDuration = Time.s(20)
    public var backoffCap: SimDuration = Time.s(120)
    /// Requests in flight per domain.
    public var domainConcurrency: Int = 5
    /// Requests started per domain within any sliding `rateWindow`.
    public var domainRate: Int = 30
    public var rateWindow: SimDuration = Time.s(60)
    /// Consecutive `failed` fetches after which a domain is blocked.
    public var blockAfterFailures: Int = 3
    /// How long a failing domain stays blocked.
    public var blockDuration: SimDuration = Time.hour * 12
    /// An identifier is dropped this long after its last event (the purgatory expiry).
    public var giveUpAfter: SimDuration = Time.min(30)
    /// How long identifiers reported expired are remembered (purgatory keeps them 7 days).
    public var rememberExpiredFor: SimDuration = Time.day * 7

    // MARK: broken variants

    /// Allows `domainConcurrency + 1` requests in flight per domain.
    public var faultOneOverConcurrency = false
    /// Counts the rate in fixed `rateWindow` buckets (aligned at time 0) instead of a
    /// sliding window: a burst straddling a bucket boundary doubles the rate.
    public var faultFixedWindow = false
    /// A new event neither resets the attempt count nor moves the next attempt earlier.
    public var faultNoFreshStart = false
    /// A domain always serves the lexicographically first identifier queued on it.
    public var faultNoRoundRobin = false
    /// SPEC §8.2: clone URLs taken from purgatory announcements are not used.
    public var faultPurgatoryAnnouncementsIgnored = false
    /// SPEC §8.13: a synced event for an expired identifier starts a new hunt.
    public var faultRefetchExpired = false

    /// Test double: replaces the backoff rule (tests plant mistakes here).
    public var backoffHook: TestHook<Int, SimDuration>? = nil

    public init() {}

    /// Delay of the attempt `attempt` (0-based count of finished attempts) before the next one.
    public func backoff(afterAttempt attempt: Int) -> SimDuration {
        if let backoffHook { return backoffHook.body(attempt) }
        // 2^attempt overflows quickly; the cap is reached long before.
        var d = backoffBase
        var i = 0
        while i < attempt && d < backoffCap {
            d *= 2
            i += 1
        }
        return min(d, backoffCap)
    }

    /// Requests a domain may have in flight under this configuration.
    public var effectiveConcurrency: Int { domainConcurrency + (faultOneOverConcurrency ? 1 : 0) }
}
