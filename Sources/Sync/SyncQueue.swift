import Relay
// GRASP-02 proactive git-data sync (SPEC §5): an identifier-based hunt queue with a
// per-domain throttle, as a sans-IO state machine.
import SimKernel

/// What the driver tells the queue.
public enum SyncInput: Sendable {
    /// An event for this identifier entered purgatory and waits for git data.
    case eventWaiting(identifier: String, origin: EventOrigin)
    /// Every waiting event of the identifier was released: stop hunting.
    case identifierSatisfied(identifier: String)
    /// Purgatory gave up on the identifier: stop hunting and remember it (SPEC §8.13).
    case identifierExpired(identifier: String)
    /// The sync loop, from a driver that ticks on its own (every `SyncConfig.tick`).
    case tick
    /// The timer a `setTimer` effect asked for fired (`timer` is the number it carried).
    case timerFired(timer: UInt64)
    /// A fetch started by a `.fetch` effect ended.
    case fetchFinished(request: UInt64, outcome: FetchOutcome)
}

/// How a fetch ended, as far as the throttle is concerned. Whether the fetched objects
/// released events is the driver's business (it then sends `identifierSatisfied`).
public enum FetchOutcome: String, Sendable {
    /// The fetch brought everything the waiting events need.
    case complete
    /// The fetch brought some objects.
    case partial
    /// The remote answered but had nothing new.
    case nothingNew
    /// The remote refused because of its own rate limit (HTTP 429): counts as a finished
    /// fetch of the attempt, never towards blocking the domain.
    case rateLimited
    /// Down, timeout or error: counts towards blocking the domain.
    case failed
}

/// What the driver must do.
public enum SyncEffect: Sendable {
    /// Fetch `source.url` for `identifier`; report the end with `.fetchFinished(request:)`.
    case fetch(request: UInt64, identifier: String, source: CloneSource)
    /// Send `.timerFired(timer:)` with this number after this delay (a driver ticking every
    /// `config.tick` may ignore it).
    case setTimer(after: SimDuration, timer: UInt64)
    case trace(String, [(String, String)])
    /// A fact for the driver's history, typed (the trace record printed with it says the same).
    case report(SyncReport)
}

/// The hunt queue. The work is per identifier (a repository, or a PR event), not per event:
/// events arriving for an identifier only reschedule its hunt.
///
/// - An identifier's attempt starts on the first tick at or after its `nextAttempt`. It
///   walks the identifier's sources (own domain, blocked domains and — only under
///   `faultPurgatoryAnnouncementsIgnored` — purgatory URLs are skipped) and queues one
///   fetch per source on the source's domain.
/// - A domain starts a queued fetch only while it has fewer than `domainConcurrency`
///   fetches in flight and fewer than `domainRate` starts in the last `rateWindow`
///   (sliding). Queued fetches are served round-robin over identifiers.
/// - When every fetch of an attempt ended (or was dropped because its domain got blocked),
///   the next attempt is scheduled `min(backoffBase × 2^attempt, backoffCap)` later.
/// - A new event resets the attempt count and may move the next attempt earlier, never later.
/// - `blockAfterFailures` consecutive `failed` fetches block a domain for `blockDuration`.
/// - A hunt ends when satisfied, expired, or `giveUpAfter` after its last event. Expired
///   identifiers are remembered: a later synced event for them is ignored (a user event
///   starts a new hunt).
public final class SyncQueue {
    public let config: SyncConfig
    public let ownDomain: String

    /// Every fetch started, in order: the throttle invariants are checked over it.
    public private(set) var requestLog: [(time: LocalTime, domain: String, identifier: String)] = []

    struct Hunt {
        var generation: UInt64
        var attempt = 0
        /// nil while an attempt runs.
        var nextAttempt: LocalTime?
        /// Earliest time asked for by events that arrived while an attempt was running.
        var eventDue: LocalTime?
        var lastEvent: LocalTime
        /// Fetches of the running attempt not yet ended (queued or in flight).
        var outstanding = 0
    }

    struct Job {
        var identifier: String
        var generation: UInt64
        var source: CloneSource
    }

    struct Domain {
        var inFlight = 0
        /// Identifiers with queued jobs, in service order.
        var rotation: [String] = []
        var jobs: [String: [Job]] = [:]
        /// Start times not older than one rate window, ascending.
        var starts: [LocalTime] = []
        var consecutiveFailures = 0
        var blockedUntil: LocalTime?
        var queuedCount: Int { jobs.values.reduce(0) { $0 + $1.count } }
    }

    struct Request {
        var identifier: String
        var generation: UInt64
        var domain: String
    }

    var hunts: [String: Hunt] = [:]
    var domains: [String: Domain] = [:]
    var requests: [UInt64: Request] = [:]
    var expired: [String: LocalTime] = [:]
    var nextRequest: UInt64 = 1
    var nextGeneration: UInt64 = 1
    /// Time of the last `setTimer` asked for (nil: none pending), and its number: an
    /// earlier timer, superseded, may still fire.
    var armed: LocalTime?
    var armedTimer: UInt64 = 0

    public init(config: SyncConfig, ownDomain: String) {
        self.config = config
        self.ownDomain = ownDomain.lowercased()
    }

    // MARK: input

    /// Advances the machine. `sources(identifier)` returns the clone URLs of the
    /// identifier's announcements (served and purgatory) and PR clone tags, as the caller
    /// knows them now; it is only called when an attempt starts.
    public func handle(
        _ input: SyncInput, now: LocalTime,
        sources: (String) -> [CloneSource]
    ) -> [SyncEffect] {
        var out: [SyncEffect] = []
        forgetOldExpired(now: now)
        switch input {
        case .eventWaiting(let id, let origin):
            eventWaiting(id, origin: origin, now: now, &out)
        case .identifierSatisfied(let id):
            if hunts[id] != nil {
                endHunt(id, now: now, &out)
                out.append(.trace("sync.satisfied", [("identifier", id)]))
                out.append(.report(.huntEnded(identifier: id, why: "satisfied")))
            }
        case .identifierExpired(let id):
            if hunts[id] != nil { endHunt(id, now: now, &out) }
            expired[id] = now
            out.append(.trace("sync.expired", [("identifier", id)]))
            out.append(.report(.huntEnded(identifier: id, why: "expired")))
        case .tick:
            tick(now: now, sources: sources, &out)
        case .timerFired(let timer):
            // The armed timer fired: forget it. After the clock was stepped back it fires
            // before its wake-up as the clock now reads, and a wake-up remembered as still
            // ahead would keep `arm` from setting the next timer, stalling every hunt until
            // some other input came. A superseded timer leaves the armed one be.
            if timer == armedTimer { armed = nil }
            tick(now: now, sources: sources, &out)
        case .fetchFinished(let request, let outcome):
            fetchFinished(request, outcome, now: now, &out)
        }
        arm(now: now, &out)
        return out
    }

    func eventWaiting(_ id: String, origin: EventOrigin, now: LocalTime, _ out: inout [SyncEffect]) {
        if origin == .sync, expired[id] != nil, !config.faultRefetchExpired {
            out.append(.trace("sync.ignored-expired", [("identifier", id)]))
            out.append(.report(.ignoredExpired(identifier: id)))
            return
        }
        let due = now + (origin == .user ? config.userDelay : config.syncedDelay)
        if var h = hunts[id] {
            h.lastEvent = now
            if !config.faultNoFreshStart {
                h.attempt = 0
                if let n = h.nextAttempt {
                    h.nextAttempt = min(n, due)
                } else {
                    h.eventDue = min(h.eventDue ?? due, due)
                }
            }
            hunts[id] = h
        } else {
            hunts[id] = Hunt(generation: nextGeneration, nextAttempt: due, lastEvent: now)
            nextGeneration += 1
        }
        let next = hunts[id]!.nextAttempt.map { Time.format($0) } ?? "after running attempt"
        out.append(.trace("sync.event", [("identifier", id), ("origin", origin.rawValue), ("next", next)]))
    }

    func tick(now: LocalTime, sources: (String) -> [CloneSource], _ out: inout [SyncEffect]) {
        for name in domains.keys.sorted() {
            if let u = domains[name]!.blockedUntil, u <= now {
                domains[name]!.blockedUntil = nil
                domains[name]!.consecutiveFailures = 0
                out.append(.trace("sync.domain-unblocked", [("domain", name)]))
            }
        }
        for id in hunts.keys.sorted() where now >= hunts[id]!.lastEvent + config.giveUpAfter {
            endHunt(id, now: now, &out)
            out.append(.trace("sync.give-up", [("identifier", id)]))
            out.append(.report(.huntEnded(identifier: id, why: "give-up")))
        }
        let ready = hunts.compactMap { id, h -> (LocalTime, String)? in
            guard let n = h.nextAttempt, n <= now else { return nil }
            return (n, id)
        }.sorted { $0 < $1 }
        for (_, id) in ready { startAttempt(id, now: now, sources: sources, &out) }
        for name in domains.keys.sorted() { drain(name, now: now, &out) }
    }

    func startAttempt(
        _ id: String, now: LocalTime, sources: (String) -> [CloneSource],
        _ out: inout [SyncEffect]
    ) {
        guard var h = hunts[id] else { return }
        let chosen = SyncQueue.selectSources(
            sources(id), ownDomain: ownDomain,
            ignorePurgatory: config.faultPurgatoryAnnouncementsIgnored,
            isBlocked: { self.isBlocked($0, now: now) })
        h.nextAttempt = nil
        h.eventDue = nil
        h.outstanding = chosen.count
        hunts[id] = h
        out.append(
            .trace(
                "sync.attempt",
                [
                    ("identifier", id), ("attempt", "\(h.attempt)"),
                    ("sources", "\(chosen.count)"),
                    ("domains", chosen.map(\.domain).joined(separator: ",")),
                ]))
        out.append(.report(.attemptStarted(identifier: id, attempt: h.attempt, domains: chosen.map(\.domain))))
        if chosen.isEmpty {
            finishAttempt(id, now: now, &out)
            return
        }
        for s in chosen {
            var d = domains[s.domain] ?? Domain()
            if d.jobs[id] == nil { d.rotation.append(id) }
            d.jobs[id, default: []].append(Job(identifier: id, generation: h.generation, source: s))
            domains[s.domain] = d
        }
    }

    func finishAttempt(_ id: String, now: LocalTime, _ out: inout [SyncEffect]) {
        guard var h = hunts[id] else { return }
        var next = now + config.backoff(afterAttempt: h.attempt)
        if let due = h.eventDue, due < next { next = max(due, now) }
        h.attempt += 1
        h.nextAttempt = next
        h.eventDue = nil
        hunts[id] = h
        out.append(
            .trace(
                "sync.backoff",
                [
                    ("identifier", id), ("attempt", "\(h.attempt)"),
                    ("next", Time.format(next)),
                ]))
        out.append(.report(.attemptEnded(identifier: id, next: next)))
    }

    func fetchFinished(
        _ request: UInt64, _ outcome: FetchOutcome, now: LocalTime,
        _ out: inout [SyncEffect]
    ) {
        guard let r = requests.removeValue(forKey: request) else {
            out.append(.trace("sync.unknown-request", [("request", "\(request)")]))
            return
        }
        out.append(
            .trace(
                "sync.fetch-finished",
                [
                    ("request", "\(request)"), ("identifier", r.identifier),
                    ("domain", r.domain), ("outcome", outcome.rawValue),
                ]))
        var d = domains[r.domain]!
        precondition(d.inFlight > 0, "a fetch of \(r.domain) ended with none in flight")
        d.inFlight -= 1
        var blockNow = false
        if outcome == .failed {
            d.consecutiveFailures += 1
            if d.consecutiveFailures >= config.blockAfterFailures, d.blockedUntil == nil {
                blockNow = true
            }
        } else {
            d.consecutiveFailures = 0
        }
        domains[r.domain] = d
        jobEnded(r.identifier, generation: r.generation, now: now, &out)
        if blockNow { block(r.domain, now: now, &out) }
        drain(r.domain, now: now, &out)
    }

    // MARK: domains

    func isBlocked(_ domain: String, now: LocalTime) -> Bool {
        guard let u = domains[domain]?.blockedUntil else { return false }
        return u > now
    }

    func block(_ name: String, now: LocalTime, _ out: inout [SyncEffect]) {
        var d = domains[name]!
        d.blockedUntil = now + config.blockDuration
        d.consecutiveFailures = 0
        let dropped = d.rotation.flatMap { d.jobs[$0] ?? [] }
        d.rotation = []
        d.jobs = [:]
        domains[name] = d
        out.append(
            .trace(
                "sync.domain-blocked",
                [
                    ("domain", name), ("until", Time.format(now + config.blockDuration)),
                    ("dropped", "\(dropped.count)"),
                ]))
        out.append(.report(.domainBlocked(domain: name, until: now + config.blockDuration)))
        for j in dropped { jobEnded(j.identifier, generation: j.generation, now: now, &out) }
    }

    func jobEnded(_ id: String, generation: UInt64, now: LocalTime, _ out: inout [SyncEffect]) {
        guard var h = hunts[id], h.generation == generation, h.nextAttempt == nil else { return }
        precondition(h.outstanding > 0, "a fetch of \(id) ended after its attempt's last one")
        h.outstanding -= 1
        hunts[id] = h
        if h.outstanding == 0 { finishAttempt(id, now: now, &out) }
    }

    /// Time from which one more start fits the rate limit.
    func rateFree(_ d: Domain, now: LocalTime) -> LocalTime {
        let w = config.rateWindow
        if config.faultFixedWindow {
            let bucket = floorDiv(now.nanoseconds, w.nanoseconds)
            let n = d.starts.filter { floorDiv($0.nanoseconds, w.nanoseconds) == bucket }.count
            return n < config.domainRate ? now : LocalTime(sinceZero: (bucket + 1) * w)
        }
        let recent = d.starts.filter { $0 > now - w }
        if recent.count < config.domainRate { return now }
        return recent[recent.count - config.domainRate] + w
    }

    func drain(_ name: String, now: LocalTime, _ out: inout [SyncEffect]) {
        guard var d = domains[name] else { return }
        if let u = d.blockedUntil, u > now { return }
        d.starts.removeAll { $0 <= now - config.rateWindow }
        while !d.rotation.isEmpty, d.inFlight < config.effectiveConcurrency, rateFree(d, now: now) <= now {
            let index: Int
            if config.faultNoRoundRobin {
                index = d.rotation.indices.min { d.rotation[$0] < d.rotation[$1] }!
            } else {
                index = 0
            }
            let id = d.rotation.remove(at: index)
            var jobs = d.jobs[id]!
            let job = jobs.removeFirst()
            if jobs.isEmpty {
                d.jobs[id] = nil
            } else {
                d.jobs[id] = jobs
                d.rotation.append(id)
            }
            let request = nextRequest
            nextRequest += 1
            d.inFlight += 1
            d.starts.append(now)
            requests[request] = Request(identifier: id, generation: job.generation, domain: name)
            requestLog.append((now, name, id))
            out.append(
                .trace(
                    "sync.fetch",
                    [
                        ("request", "\(request)"), ("identifier", id),
                        ("domain", name), ("url", job.source.url),
                    ]))
            out.append(.fetch(request: request, identifier: id, source: job.source))
        }
        domains[name] = d
    }

    // MARK: bookkeeping

    /// Drops the hunt and its queued jobs; fetches in flight finish without effect on it.
    func endHunt(_ id: String, now: LocalTime, _ out: inout [SyncEffect]) {
        hunts[id] = nil
        for name in domains.keys.sorted() where domains[name]!.jobs[id] != nil {
            domains[name]!.jobs[id] = nil
            domains[name]!.rotation.removeAll { $0 == id }
        }
    }

    func forgetOldExpired(now: LocalTime) {
        if expired.isEmpty { return }
        for id in expired.keys.sorted() where now - expired[id]! >= config.rememberExpiredFor {
            expired[id] = nil
        }
    }

    func arm(now: LocalTime, _ out: inout [SyncEffect]) {
        guard let wake = nextWakeUp(now: now) else { return }
        if let a = armed, a > now, a <= wake { return }
        armed = wake
        armedTimer &+= 1
        out.append(.setTimer(after: max(0, wake - now), timer: armedTimer))
    }
}

@inline(__always)
private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}
