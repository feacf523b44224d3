import Relay
import SimKernel

/// What the queue holds, for traces, checks and tests (read-only).
extension SyncQueue {
    // MARK: inspection

    /// Identifiers waiting for their next attempt, sorted by (nextAttempt, identifier).
    /// `attempt` counts the attempts made since the last fresh start.
    public var pending: [(identifier: String, nextAttempt: LocalTime, attempt: Int)] {
        hunts.compactMap { id, h in h.nextAttempt.map { (id, $0, h.attempt) } }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    }

    /// Every identifier being hunted (waiting or with an attempt running), sorted.
    public var hunting: [String] { hunts.keys.sorted() }

    /// Identifiers whose attempt is running, sorted.
    public var attemptsRunning: [String] { hunts.filter { $0.value.nextAttempt == nil }.keys.sorted() }

    /// Fetches in flight per domain (domains with none are left out).
    public var inFlight: [String: Int] {
        var out: [String: Int] = [:]
        for (d, s) in domains where s.inFlight > 0 { out[d] = s.inFlight }
        return out
    }

    /// Fetches waiting for the throttle per domain (domains with none are left out).
    public var queued: [String: Int] {
        var out: [String: Int] = [:]
        for (d, s) in domains where s.queuedCount > 0 { out[d] = s.queuedCount }
        return out
    }

    /// Domains blocked at `now`, sorted, with the end of their block.
    public func blockedDomains(now: LocalTime) -> [(domain: String, until: LocalTime)] {
        domains.compactMap { d, s in
            guard let u = s.blockedUntil, u > now else { return nil }
            return (d, u)
        }.sorted { $0.domain < $1.domain }
    }

    /// Expired identifiers still remembered, sorted.
    public var expiredIdentifiers: [String] { expired.keys.sorted() }

    /// The attempt count of a hunted identifier.
    public func attempt(of identifier: String) -> Int? { hunts[identifier]?.attempt }

    /// The earliest time the queue has something to do without new input.
    public func nextWakeUp(now: LocalTime) -> LocalTime? {
        var wake: LocalTime?
        func consider(_ t: LocalTime) { wake = min(wake ?? t, t) }
        for h in hunts.values {
            if let n = h.nextAttempt { consider(n) }
            consider(h.lastEvent + config.giveUpAfter)
        }
        for s in domains.values where s.queuedCount > 0 && s.inFlight < config.effectiveConcurrency {
            if let u = s.blockedUntil, u > now { continue }
            consider(rateFree(s, now: now))
        }
        return wake
    }

    /// The sources an attempt uses, in the caller's order without duplicate URLs: not on the
    /// own domain, not on a blocked domain, and — only when `ignorePurgatory` (the §8.2
    /// fault) — not from a purgatory announcement.
    public static func selectSources(
        _ sources: [CloneSource], ownDomain: String,
        ignorePurgatory: Bool,
        isBlocked: (String) -> Bool = { _ in false }
    ) -> [CloneSource] {
        var seen = Set<String>()
        var out: [CloneSource] = []
        let own = ownDomain.lowercased()
        for s in sources {
            if s.domain.lowercased() == own { continue }
            if ignorePurgatory && s.fromPurgatory { continue }
            if isBlocked(s.domain) { continue }
            if !seen.insert(s.url).inserted { continue }
            out.append(s)
        }
        return out
    }
}
