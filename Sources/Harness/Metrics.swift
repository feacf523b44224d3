import Checks
import Coordination
import Relay
import RelayProcess
import SimKernel

/// A number a run measures, with its meaning (`graspsim metrics` lists them). Metrics
/// are computed from the run's history — what clients were answered, what the lock
/// service and the shared storage recorded — never from counters the relay keeps.
public struct MetricName: Hashable, Sendable, Comparable {
    public let name: String
    public let unit: String
    public let meaning: String
    public static func < (a: MetricName, b: MetricName) -> Bool { a.name < b.name }
    // A metric is its name (names are unique): hashing the meaning too made every count
    // hash three strings.
    public static func == (a: MetricName, b: MetricName) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }

    public static let pushAttempts = MetricName(
        name: "push.attempts", unit: "", meaning: "push requests answered, every retry included")
    public static let pushAccepted = MetricName(
        name: "push.accepted", unit: "", meaning: "push attempts whose every ref was accepted")
    public static let pushRejectedAuthorization = MetricName(
        name: "push.rejected.authorization", unit: "",
        meaning: "push attempts refused because no authorized state matched")
    public static let pushRejectedStale = MetricName(
        name: "push.rejected.stale", unit: "",
        meaning: "push attempts refused because a ref had moved since the client's fetch")
    public static let pushRejectedFencing = MetricName(
        name: "push.rejected.fencing", unit: "",
        meaning: "push attempts whose ref update storage refused for a stale fencing token")
    public static let pushRejectedOther = MetricName(
        name: "push.rejected.other", unit: "", meaning: "push attempts refused for any other reason")
    public static let push503 = MetricName(
        name: "push.answered_503", unit: "", meaning: "push attempts answered HTTP 503 (lock not acquired in budget)")
    public static let push503Share = MetricName(
        name: "push.503_share", unit: "%", meaning: "share of push attempts answered 503")
    public static let pushLatencyMean = MetricName(
        name: "push.latency_mean", unit: "s",
        meaning: "mean time from a push step's first attempt to its final answer, retries included")
    public static let pushLatencyMax = MetricName(
        name: "push.latency_max", unit: "s", meaning: "longest such time in the run")
    public static let lockGrants = MetricName(
        name: "lock.grants", unit: "", meaning: "leases the lock service granted on repository locks")
    public static let lockExpiries = MetricName(
        name: "lock.expiries_while_held", unit: "",
        meaning: "leases that lapsed in the lock service before their holder released them")
    public static let lockTakeovers = MetricName(
        name: "lock.takeovers", unit: "",
        meaning: "grants of a lock whose previous lease lapsed or was lost in a failover, not released")
    public static let lockAborted = MetricName(
        name: "lock.operations_aborted", unit: "",
        meaning: "locked operations a replica abandoned on losing its lease (a failed heartbeat)")
    public static let heartbeatsRefused = MetricName(
        name: "lock.heartbeats_refused", unit: "",
        meaning: "heartbeats (compare-and-PEXPIRE) the lock service refused: the lease was no longer the sender's")
    public static let lockFailovers = MetricName(name: "lock.failovers", unit: "", meaning: "lock-service failovers")
    public static let fencingRefused = MetricName(
        name: "fencing.refused_writes", unit: "",
        meaning: "repository writes storage refused for a stale or duplicated fencing token")
    public static let unwritable = MetricName(
        name: "repo.longest_unwritable", unit: "s",
        meaning:
            "longest span from a push answered 503 to the next push of that repository not answered 503 (or the run's last push answer)"
    )
    public static let releaseMean = MetricName(
        name: "purgatory.release_mean", unit: "s",
        meaning: "mean time from an event entering purgatory to its release")
    public static let releaseMax = MetricName(
        name: "purgatory.release_max", unit: "s", meaning: "longest such time in the run")
    public static let syncFetches = MetricName(
        name: "sync.fetches", unit: "", meaning: "git-data fetches sent to other hosts")
    public static let syncThrottleWaits = MetricName(
        name: "sync.throttle_waits", unit: "",
        meaning: "fetches that waited after their hunt attempt began for the domain's concurrency or rate limit")
    public static let syncDomainsBlocked = MetricName(
        name: "sync.domains_blocked", unit: "",
        meaning: "times a domain was blocked after consecutive failed fetches")
    public static let syncBackoffCapped = MetricName(
        name: "sync.backoff_capped", unit: "",
        meaning: "hunt attempts whose next try waited the full backoff cap")
    public static let simEvents = MetricName(name: "sim.events", unit: "", meaning: "simulation events processed")

    /// Every metric, in report order.
    public static let all: [MetricName] = [
        pushAttempts, pushAccepted, pushRejectedAuthorization, pushRejectedStale, pushRejectedFencing,
        pushRejectedOther,
        push503, push503Share, pushLatencyMean, pushLatencyMax,
        lockGrants, lockExpiries, lockTakeovers, lockAborted, heartbeatsRefused, lockFailovers, fencingRefused,
        unwritable,
        releaseMean, releaseMax, syncFetches, syncThrottleWaits, syncDomainsBlocked, syncBackoffCapped, simEvents,
    ]
    public static func named(_ name: String) -> MetricName? { all.first { $0.name == name } }
}

/// One run's metrics, by name.
public typealias RunMetrics = [String: Double]

/// Measures a run from its history as it happens, and from the lock service's and the
/// storage's records at the end.
final class MetricsCollector {
    private var values: [MetricName: Double] = [:]
    private var stepStart: [String: SimTime] = [:]
    private var pushSteps: Set<String> = []
    private var latencies: [Double] = []
    private var heldAt: [String: SimTime] = [:]
    private var releases: [Double] = []
    /// Per repository: when pushes started being answered 503, until the next accepted push.
    private var unwritableSince: [String: SimTime] = [:]
    private var longestUnwritable: SimDuration = 0
    private var lastPushAnswer: SimTime = 0
    private var attemptStart: [String: SimTime] = [:]
    private let backoffCap: SimDuration

    init(backoffCap: SimDuration) { self.backoffCap = backoffCap }

    private func add(_ m: MetricName, _ n: Double = 1) { values[m, default: 0] += n }

    func stepStarted(_ step: String, at t: SimTime) { if stepStart[step] == nil { stepStart[step] = t } }

    func observe(_ entry: HistoryEntry) {
        let t = entry.time
        switch entry.item {
        case .pushAnswered(let step, _, let repo, let results, let http):
            pushAnswered(step: step, repo: repo, results: results, http: http, t)
        case .stepOutcome(let step, _, _):
            if pushSteps.contains(step), let start = stepStart[step] { latencies.append((t - start).seconds) }
        case .relay(_, .held(let e, _)):
            if heldAt[e.id] == nil { heldAt[e.id] = t }
        case .relay(_, .left(let id, _, let why)):
            // Any exit ends the wait; only a release is a release time (an expired entry
            // that is revived waits again from its new hold).
            if let since = heldAt.removeValue(forKey: id), why == "released" {
                releases.append((t - since).seconds)
            }
        case .pushAdvertisementFailed(let step, _, let repo, let http):
            pushAnswered(step: step, repo: repo, results: [], http: http, t)
        case .replica(_, .lockAborted):
            add(.lockAborted)
        case .sync(let replica, .attemptStarted(let identifier, _, _)):
            attemptStart[replica + "|" + identifier] = t
        case .sync(let replica, .fetchStarted(_, let identifier, _)):
            add(.syncFetches)
            if let start = attemptStart[replica + "|" + identifier], t > start { add(.syncThrottleWaits) }
        case .sync(_, .domainBlocked):
            add(.syncDomainsBlocked)
        case .sync(_, .attemptEnded(_, let nextIn)):
            if backoffCap > 0, nextIn >= backoffCap { add(.syncBackoffCapped) }
        default:
            break
        }
    }

    /// `text.contains(word)`, on bytes when the text is ASCII (where characters are bytes
    /// and the word, all letters, can only match whole ones): Foundation's search was a
    /// percent of a run of racing pushes.
    static func mentions(_ text: String, _ word: String) -> Bool {
        var text = text
        var word = word
        let ascii = text.withUTF8 { t in !t.contains { $0 >= 0x80 } }
        guard ascii else { return text.contains(word) }
        return text.withUTF8 { t in
            word.withUTF8 { w in
                guard !w.isEmpty else { return true }
                guard t.count >= w.count else { return false }
                return (0...(t.count - w.count)).contains { i in (0..<w.count).allSatisfy { t[i + $0] == w[$0] } }
            }
        }
    }

    /// One push attempt's answer: per-ref results, or an HTTP error (on the push itself or
    /// on the advertisement a push fetches first).
    private func pushAnswered(step: String, repo: RepoKey?, results: [RefResult], http: String?, _ t: SimTime) {
        add(.pushAttempts)
        pushSteps.insert(step)
        lastPushAnswer = t
        let repoName = repo?.description ?? step
        if http?.hasPrefix("503") == true {
            add(.push503)
            if unwritableSince[repoName] == nil { unwritableSince[repoName] = t }
        } else if let since = unwritableSince.removeValue(forKey: repoName) {
            // Any other answer means the push got the repository's lock again.
            longestUnwritable = max(longestUnwritable, t - since)
        }
        if let http {
            if !http.hasPrefix("503") { add(.pushRejectedOther) }
        } else if results.allSatisfy(\.ok) {
            add(.pushAccepted)
        } else {
            let why = (results.first { !$0.ok }?.error ?? "").lowercased()
            if Self.mentions(why, "fencing") {
                add(.pushRejectedFencing)
            } else if Self.mentions(why, "authoris") || Self.mentions(why, "authoriz") {
                add(.pushRejectedAuthorization)
            } else if Self.mentions(why, "stale") {
                add(.pushRejectedStale)
            } else {
                add(.pushRejectedOther)
            }
        }
    }

    func finish(
        lockService: LockServiceModel?, lockCommands: [LockCommandRecord], storage: RepositoryStorage, events: UInt64,
        end: SimTime
    ) -> RunMetrics {
        for c in lockCommands {
            if case .compareAndPExpire(let key, let value, _) = c.command, key.hasPrefix("lock:"),
                c.valueBefore != value
            {
                add(.heartbeatsRefused)
            }
        }
        if let lock = lockService {
            // Per lock key: who holds it, and whether its last lease ended without a
            // release (lapsed or lost).
            var keys: [String: (holder: String?, endedUnreleased: Bool)] = [:]
            for e in lock.history where e.key.hasPrefix("lock:") {
                var k = keys[e.key] ?? (nil, false)
                switch e.kind {
                case .set:
                    guard let v = e.value, k.holder != v else { continue }
                    add(.lockGrants)
                    if k.endedUnreleased { add(.lockTakeovers) }
                    k = (v, false)
                case .deleted:
                    k = (nil, false)
                case .expired:
                    add(.lockExpiries)
                    k = (nil, true)
                case .failoverReverted:
                    guard e.value != k.holder else { continue }
                    if k.holder != nil { k.endedUnreleased = true }
                    k.holder = e.value
                case .extended, .incremented:
                    continue
                }
                keys[e.key] = k
            }
            values[.lockFailovers] = Double(lock.failoverCount)
        }
        values[.fencingRefused] = Double(storage.refusals.count)
        for since in unwritableSince.values { longestUnwritable = max(longestUnwritable, lastPushAnswer - since) }
        values[.unwritable] = longestUnwritable.seconds
        let attempts = values[.pushAttempts] ?? 0
        values[.push503Share] = attempts > 0 ? 100 * (values[.push503] ?? 0) / attempts : 0
        values[.pushLatencyMean] = latencies.isEmpty ? 0 : latencies.reduce(0, +) / Double(latencies.count)
        values[.pushLatencyMax] = latencies.max() ?? 0
        values[.releaseMean] = releases.isEmpty ? 0 : releases.reduce(0, +) / Double(releases.count)
        values[.releaseMax] = releases.max() ?? 0
        values[.simEvents] = Double(events)
        var out: RunMetrics = [:]
        for m in MetricName.all { out[m.name] = values[m] ?? 0 }
        return out
    }
}

/// A metric over the seeds of a scenario: mean, median, 99th percentile and maximum.
public struct MetricStats: Sendable {
    public var mean: Double
    public var p50: Double
    public var p99: Double
    public var max: Double
    /// False when the percentiles are estimates from a folded `MetricDistribution`.
    public var percentilesExact = true

    /// Merged from shards: exact mean and maximum, percentiles unknown (NaN, shown as n/a,
    /// and not exact).
    public init(mean: Double, max: Double) {
        self.mean = mean
        self.max = max
        p50 = .nan
        p99 = .nan
        percentilesExact = false
    }

    public init(_ values: [Double]) { self = MetricDistribution(values).stats }
}
