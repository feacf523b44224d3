import SimKernel

/// What the queue did, as facts a driver records for the checks (never parsed back from
/// trace text).
public enum SyncReport: Sendable, Equatable {
    /// An attempt started, fetching from sources on these domains (one per source).
    case attemptStarted(identifier: String, attempt: Int, domains: [String])
    /// Every fetch of the attempt ended; the next attempt is due at `next` (queue time).
    case attemptEnded(identifier: String, next: LocalTime)
    /// The hunt ended: `satisfied`, `expired` or `give-up`.
    case huntEnded(identifier: String, why: String)
    /// A synced event for an expired identifier was ignored.
    case ignoredExpired(identifier: String)
    /// A domain is blocked until `until` (queue time).
    case domainBlocked(domain: String, until: LocalTime)
}
