import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel
import Sync

/// The sync queue's schedule, replayed from its log: throttle limits, backoff, fairness.
extension SyncProgress {
    /// Splits a replica's log at process resets (a restarted process starts afresh).
    private func lives(_ log: [(time: SimTime, replica: String, record: SyncRecord)]) -> [[(
        time: SimTime, record: SyncRecord
    )]] {
        var out: [[(time: SimTime, record: SyncRecord)]] = [[]]
        for e in log {
            if case .reset = e.record {
                out.append([])
                continue
            }
            out[out.count - 1].append((e.time, e.record))
        }
        return out
    }

    func throttleBounds(
        _ log: [(time: SimTime, replica: String, record: SyncRecord)], _ replica: String, _ w: SyncWorldView,
        _ violations: Violations
    ) {
        let c = w.syncConfig.domainConcurrency
        let rate = w.syncConfig.domainRate
        let window = w.syncConfig.rateWindow
        for life in lives(log) {
            var inFlight: [String: Set<UInt64>] = [:]
            var starts: [String: [SimTime]] = [:]
            for (t, rec) in life {
                switch rec {
                case .fetchStarted(let request, let identifier, let domain):
                    inFlight[domain, default: []].insert(request)
                    if inFlight[domain]!.count > c {
                        violations.fail(
                            .throttleBounds, t, replica,
                            "\(inFlight[domain]!.count) fetches in flight to \(domain) after starting one for \(identifier) at \(Time.format(t)); the limit is \(c)"
                        )
                    }
                    var s = starts[domain, default: []]
                    s.append(t)
                    s.removeAll { $0 <= t - window + w.clockAllowance(replica, from: t - window, to: t) }
                    starts[domain] = s
                    if s.count > rate {
                        violations.fail(
                            .throttleBounds, t, replica,
                            "\(s.count) fetches to \(domain) started in the \(Time.format(window)) before \(Time.format(t)) (first at \(Time.format(s[0]))); the limit is \(rate) per sliding window"
                        )
                    }
                case .fetchEnded(let request, _, let domain, _, _):
                    inFlight[domain]?.remove(request)
                default: break
                }
            }
        }
    }

    /// Recomputes each identifier's schedule from the events the queue was told about and
    /// the ends of its attempts, and compares the attempt start times.
    func backoffSchedule(
        _ log: [(time: SimTime, replica: String, record: SyncRecord)], _ replica: String, _ w: SyncWorldView,
        _ violations: Violations
    ) {
        let cfg = w.syncConfig
        // A driver wakes at the due time; allow one tick of lateness (plus any pause).
        struct Hunt {
            var attempt = 0
            var due: SimTime
            var eventDue: SimTime?
            var running = false
            var lastEvent: SimTime
            /// When the relay began timing the wait for `due` (its clock's jumps since count).
            var since: SimTime
            /// The first event while the attempt ran (its wait is timed from there).
            var eventSince: SimTime? = nil
        }
        for life in lives(log) {
            var hunts: [String: Hunt] = [:]
            var expired: Set<String> = []
            var answered: Set<String> = []
            var attemptsAtCap: [String: Int] = [:]
            for (t, rec) in life {
                switch rec {
                case .waiting(let id, let origin):
                    let due = t + (origin == .user ? cfg.userDelay : cfg.syncedDelay)
                    if origin == .sync && expired.contains(id) { continue }
                    if var h = hunts[id] {
                        h.attempt = 0
                        h.lastEvent = t
                        // The earlier wait still counts (the relay takes the sooner of the two,
                        // and it was timed from `since`).
                        if h.running {
                            h.eventDue = min(h.eventDue ?? due, due)
                            h.eventSince = h.eventSince ?? t
                        } else {
                            h.due = min(h.due, due)
                        }
                        hunts[id] = h
                    } else {
                        if origin == .user { expired.remove(id) }
                        hunts[id] = Hunt(due: due, lastEvent: t, since: t)
                    }
                case .attemptStarted(let id, let attempt, _):
                    guard var h = hunts[id] else {
                        violations.fail(
                            .backoffSchedule, t, replica,
                            "attempt for \(id) at \(Time.format(t)) with no event waiting (expired identifiers are not hunted again on synced events)"
                        )
                        continue
                    }
                    if h.running { continue }
                    // Early: only the clock's changes during the wait can explain it. Late: so
                    // can a forward jump after the relay armed the timer that wakes it, which
                    // may be older than the wait (it keeps an earlier wake-up it set before).
                    let clock = w.clockAllowance(replica, from: h.since, to: t)
                    let late =
                        cfg.tick + w.unavailable(replica: replica, from: h.due, to: t)
                        + w.lateClockAllowance(replica, since: h.since, to: t)
                    if t < h.due - clock {
                        violations.fail(
                            .backoffSchedule, t, replica,
                            "attempt \(attempt) for \(id) started at \(Time.format(t)), before it was due at \(Time.format(h.due))"
                        )
                    } else if t > h.due + late {
                        violations.fail(
                            .backoffSchedule, t, replica,
                            "attempt \(attempt) for \(id) started at \(Time.format(t)), but was due at \(Time.format(h.due)) (attempt count \(h.attempt) since its last event)"
                        )
                    }
                    h.running = true
                    hunts[id] = h
                case .attemptEnded(let id, _):
                    guard var h = hunts[id], h.running else { continue }
                    // Coverage: a server answered (without the data) and the wait is at its cap.
                    if answered.contains(id),
                        CheckSuite.expectedBackoff(
                            base: cfg.backoffBase, cap: cfg.backoffCap, failedAttempts: h.attempt)
                            == cfg.backoffCap
                    {
                        attemptsAtCap[id, default: 0] += 1
                        if attemptsAtCap[id]! >= 2 { situations.insert(.backoffHeldAtCap) }
                    }
                    answered.remove(id)
                    var next =
                        t
                        + CheckSuite.expectedBackoff(
                            base: cfg.backoffBase, cap: cfg.backoffCap, failedAttempts: h.attempt)
                    // A wait set by an event while the attempt ran was timed from that event
                    // (and the relay compares the two waits on its own clock).
                    h.since = h.eventSince.map { min($0, t) } ?? t
                    if let e = h.eventDue, e < next { next = max(e, t) }
                    h.attempt += 1
                    h.due = next
                    h.eventDue = nil
                    h.eventSince = nil
                    h.running = false
                    hunts[id] = h
                case .fetchEnded(_, let id, _, let outcome, _):
                    if outcome == .nothingNew || outcome == .partial { answered.insert(id) }
                case .huntEnded(let id, let why):
                    hunts[id] = nil
                    if why == "expired" { expired.insert(id) }
                default: break
                }
            }
        }
    }

    /// Round-robin: a job queued behind Q-1 other identifiers starts before more than Q-1
    /// starts of others on that domain, and within ⌈Q/c⌉ fetch timeouts plus ⌈Q/r⌉ windows.
    func fairness(
        _ log: [(time: SimTime, replica: String, record: SyncRecord)], _ replica: String, _ w: SyncWorldView,
        _ violations: Violations
    ) {
        let cfg = w.syncConfig
        // `position`: the job's place among its identifier's jobs on the domain (an attempt
        // can list several URLs on one domain); round-robin lets each other identifier go
        // once per round, so a job at place p can be overtaken (others - 1)·p times.
        // `peers`: the most identifiers queued on the domain while it waited.
        struct Job {
            var identifier: String
            var queuedAt: SimTime
            var queueLength: Int
            var position: Int
            var peers: Int
            var overtaken = 0
        }
        for life in lives(log) {
            var queues: [String: [Job]] = [:]  // domain → jobs not yet started, in queue order
            for (t, rec) in life {
                switch rec {
                case .attemptStarted(let id, _, let domains):
                    for d in domains {
                        var q = queues[d, default: []]
                        let ids = Set(q.map(\.identifier)).union([id])
                        let place = q.filter { $0.identifier == id }.count + 1
                        q.append(
                            Job(identifier: id, queuedAt: t, queueLength: ids.count, position: place, peers: ids.count))
                        for k in q.indices { q[k].peers = max(q[k].peers, ids.count) }
                        queues[d] = q
                    }
                case .fetchStarted(_, let id, let domain):
                    guard var q = queues[domain], let i = q.firstIndex(where: { $0.identifier == id }) else { continue }
                    let job = q.remove(at: i)
                    for k in q.indices where q[k].identifier != id && q[k].queuedAt <= t { q[k].overtaken += 1 }
                    queues[domain] = q
                    let n = job.queueLength
                    // Identifiers that joined after this job may take their turns too.
                    let allowed = (job.peers - 1) * job.position
                    if job.overtaken > allowed {
                        violations.fail(
                            .fairness, t, replica,
                            "a fetch for \(id) on \(domain), queued at \(Time.format(job.queuedAt)) behind \(n - 1) other identifiers (place \(job.position) among its own), started only after \(job.overtaken) fetches of others"
                        )
                    }
                    let concurrencyRounds = Int64((n + cfg.domainConcurrency - 1) / cfg.domainConcurrency)
                    let rateWindows = Int64((n + cfg.domainRate - 1) / cfg.domainRate)
                    let bound =
                        concurrencyRounds * w.remoteTimeout + rateWindows * cfg.rateWindow + cfg.tick
                        + w.unavailable(replica: replica, from: job.queuedAt, to: t)
                        // Starts of the window before it was queued hold it back too.
                        + w.lateClockAllowance(replica, since: job.queuedAt - cfg.rateWindow, to: t)
                    if t - job.queuedAt > bound {
                        violations.fail(
                            .fairness, t, replica,
                            "a fetch for \(id) on \(domain) waited \(Time.format(t - job.queuedAt)) in a queue of \(n); the bound is \(Time.format(bound))"
                        )
                    }
                case .huntEnded(let id, _):
                    for d in queues.keys { queues[d]!.removeAll { $0.identifier == id } }
                case .domainBlocked(let domain, _):
                    queues[domain] = []
                default: break
                }
            }
        }
    }
}

extension CheckSuite {
    /// The wait after `failedAttempts` attempts since the last fresh start, by this check's
    /// own arithmetic (never the queue's): min(base · 2ⁿ, cap), saturating.
    public static func expectedBackoff(base: SimDuration, cap: SimDuration, failedAttempts n: Int) -> SimDuration {
        guard n < 62 else { return cap }
        let (d, overflow) = base.multipliedReportingOverflow(by: Int64(1) << Int64(n))
        return overflow ? cap : min(d, cap)
    }
}
