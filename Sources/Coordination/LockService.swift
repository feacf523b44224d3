import SimKernel

/// Commands of the lock service: what real deployments send to Redis, including the two
/// Lua scripts (compare-and-delete, compare-and-PEXPIRE) that make release and heartbeat
/// atomic.
public enum LockCommand: Sendable, Hashable {
    /// `SET key value [NX] [PX ms]`. Without `px` the key has no expiry (a previous one is
    /// discarded, as Redis does without KEEPTTL).
    case set(key: String, value: String, nx: Bool, px: SimDuration?)
    case get(key: String)
    case del(key: String)
    case pexpire(key: String, ttl: SimDuration)
    case incr(key: String)
    /// `if GET key == value then DEL` → `integer(1)`, else `integer(0)`.
    case compareAndDelete(key: String, value: String)
    /// `if GET key == value then PEXPIRE key ttl` → `integer(1)`, else `integer(0)`.
    case compareAndPExpire(key: String, value: String, ttl: SimDuration)

    /// The key the command touches.
    public var key: String {
        switch self {
        case .set(let k, _, _, _), .get(let k), .del(let k), .pexpire(let k, _), .incr(let k),
            .compareAndDelete(let k, _), .compareAndPExpire(let k, _, _):
            return k
        }
    }

    /// A short deterministic rendering for traces.
    public var traceLabel: String {
        switch self {
        case .set(let k, let v, let nx, let px):
            var s = "SET \(k) \(v)"
            if nx { s += " NX" }
            if let px { s += " PX \(px / Time.millisecond)" }
            return s
        case .get(let k): return "GET \(k)"
        case .del(let k): return "DEL \(k)"
        case .pexpire(let k, let ttl): return "PEXPIRE \(k) \(ttl / Time.millisecond)"
        case .incr(let k): return "INCR \(k)"
        case .compareAndDelete(let k, let v): return "CAD \(k) \(v)"
        case .compareAndPExpire(let k, let v, let ttl): return "CAPEXPIRE \(k) \(v) \(ttl / Time.millisecond)"
        }
    }

    /// Writes exactly `traceLabel`'s bytes, building no string.
    public func writeTraceLabel(_ out: inout TraceText) {
        func words(_ verb: StaticString, _ key: String, _ value: String? = nil) {
            out.write(verb)
            out.write(" ")
            out.write(key)
            if let value {
                out.write(" ")
                out.write(value)
            }
        }
        func milliseconds(_ d: SimDuration) {
            out.write(" ")
            out.write(d / Time.millisecond)
        }
        switch self {
        case .set(let k, let v, let nx, let px):
            words("SET", k, v)
            if nx { out.write(" NX") }
            if let px {
                out.write(" PX")
                milliseconds(px)
            }
        case .get(let k): words("GET", k)
        case .del(let k): words("DEL", k)
        case .pexpire(let k, let ttl):
            words("PEXPIRE", k)
            milliseconds(ttl)
        case .incr(let k): words("INCR", k)
        case .compareAndDelete(let k, let v): words("CAD", k, v)
        case .compareAndPExpire(let k, let v, let ttl):
            words("CAPEXPIRE", k, v)
            milliseconds(ttl)
        }
    }
}

public enum LockReply: Sendable, Hashable {
    case ok, null
    case integer(Int64)
    case bulk(String)
    case error(String)

    public var traceLabel: String {
        switch self {
        case .ok: return "OK"
        case .null: return "nil"
        case .integer(let n): return "(integer) \(n)"
        case .bulk(let s): return "\"\(s)\""
        case .error(let e): return "ERR \(e)"
        }
    }

    /// Writes exactly `traceLabel`'s bytes, building no string.
    public func writeTraceLabel(_ out: inout TraceText) {
        switch self {
        case .ok: out.write("OK")
        case .null: out.write("nil")
        case .integer(let n):
            out.write("(integer) ")
            out.write(n)
        case .bulk, .error: out.write(traceLabel)
        }
    }
}

/// One change of the lock service's state.
///
/// For `set`, `extended`, `incremented` and `failoverReverted`, `value` and `expiresAt`
/// describe the key AFTER the change (`failoverReverted` with `value == nil`: the key is
/// absent after the failover). For `deleted` and `expired` they describe what was removed.
/// `expired` events carry the deadline itself as `time` (the model notices expiries lazily,
/// always before it records anything later), so `history` stays ordered by time as long as
/// the model is driven with non-decreasing `now`. Times are global (`globalClock`), so the
/// checks can set them beside other nodes' events; an event is never recorded before the
/// one before it, even when the service's clock was stepped.
public struct LockServiceEvent: Sendable, Hashable {
    public enum Kind: String, Sendable { case set, deleted, expired, extended, incremented, failoverReverted }
    public var time: SimTime
    public var key: String
    public var value: String?
    public var kind: Kind
    public var expiresAt: SimTime?
    /// `expiresAt` as the service's own clock reads it (what a failover restores).
    public var serviceExpiresAt: LocalTime?

    public init(
        time: SimTime, key: String, value: String?, kind: Kind, expiresAt: SimTime?, serviceExpiresAt: LocalTime? = nil
    ) {
        self.time = time
        self.key = key
        self.value = value
        self.kind = kind
        self.expiresAt = expiresAt
        self.serviceExpiresAt = serviceExpiresAt
    }

    /// Whether the key holds `value` after this event (false for deletions and expiries).
    var leavesPresent: Bool {
        switch kind {
        case .deleted, .expired: return false
        case .set, .extended, .incremented, .failoverReverted: return value != nil
        }
    }
}

/// A maximal interval during which a key continuously held one value.
public struct LockTenure: Sendable, Hashable {
    public var value: String
    public var from: SimTime
    /// End of the tenure (exclusive); nil when it has no end (no expiry, not yet removed).
    /// For the last tenure this may be a deadline still in the future.
    public var until: SimTime?
}

/// A Redis-like key/value service under virtual time.
///
/// Expiry is judged against the `now` passed to each call, the service's own clock: a key
/// whose PX deadline is `<= now` is gone. The model must be driven with non-decreasing `now`.
/// Its history is kept in global time: each event is mapped by the offset between the
/// service's clock and `globalClock` when it was recorded.
public final class LockServiceModel {
    struct Entry: Equatable {
        var value: String
        var expiresAt: LocalTime?
    }

    /// How much recent history a failover loses.
    public var failoverLag: SimDuration
    /// Every change, in order: who held which key when. For the single-writer check.
    public private(set) var history: [LockServiceEvent] = []
    /// Number of commands executed (for stats/benchmarks).
    public private(set) var commandCount: Int = 0
    /// Number of failovers performed.
    public private(set) var failoverCount: Int = 0

    private var entries: [String: Entry] = [:]
    /// Keys with a deadline, and the earliest deadline among them (nil: none).
    private var expiring: [String: LocalTime] = [:]
    private var nextDeadline: LocalTime?
    /// Positions in `history` per key, for tenure queries.
    private var eventsByKey: [String: [Int]] = [:]

    /// The simulation's global clock (nil: the service's own clock is taken as global).
    public var globalClock: (() -> SimTime)?
    /// The service's clock minus the global clock, at the last command.
    private var offset: SimDuration = 0

    public init(failoverLag: SimDuration = 0) {
        self.failoverLag = failoverLag
    }

    private func readClocks(_ now: LocalTime) {
        offset = globalClock.map { now.sinceZero - $0().sinceStart } ?? 0
    }
    private func global(_ t: LocalTime) -> SimTime { SimTime(sinceStart: t.sinceZero - offset) }

    // MARK: Commands

    /// Executes one command at `now`; keys whose PX deadline is <= now are gone.
    public func execute(_ command: LockCommand, now: LocalTime) -> LockReply {
        var before: String?
        return execute(command, now: now, valueBefore: &before)
    }

    /// Executes one command at `now`, and gives the key's value just before it (what
    /// `value(of:now:)` would have said; nil when absent or expired).
    public func execute(_ command: LockCommand, now: LocalTime, valueBefore: inout String?) -> LockReply {
        readClocks(now)
        // Every key whose deadline is <= now is gone after the sweep: what remains is live.
        sweep(now: now)
        commandCount += 1
        let current = entries[command.key]
        valueBefore = current?.value
        switch command {
        case .set(let key, let value, let nx, let px):
            if let px, px <= 0 { return .error("ERR invalid expire time in 'set' command") }
            if nx, current != nil { return .null }
            let deadline = px.map { now + $0 }
            store(key, Entry(value: value, expiresAt: deadline))
            record(now, key, value, .set, deadline)
            return .ok

        case .get:
            if let e = current { return .bulk(e.value) }
            return .null

        case .del(let key):
            return .integer(remove(key, now: now) ? 1 : 0)

        case .pexpire(let key, let ttl):
            guard current != nil else { return .integer(0) }
            expire(key, ttl: ttl, now: now)
            return .integer(1)

        case .incr(let key):
            let n: Int64
            if let current {
                guard let parsed = Int64(current.value) else {
                    return .error("ERR value is not an integer or out of range")
                }
                n = parsed
            } else {
                n = 0
            }
            let (next, overflow) = n.addingReportingOverflow(1)
            if overflow { return .error("ERR increment or decrement would overflow") }
            let e = Entry(value: String(next), expiresAt: current?.expiresAt)
            store(key, e)
            record(now, key, e.value, .incremented, e.expiresAt)
            return .integer(next)

        case .compareAndDelete(let key, let value):
            guard let e = current, e.value == value else { return .integer(0) }
            _ = remove(key, now: now)
            return .integer(1)

        case .compareAndPExpire(let key, let value, let ttl):
            guard let e = current, e.value == value else { return .integer(0) }
            expire(key, ttl: ttl, now: now)
            return .integer(1)
        }
    }

    /// Fails over to a replica that lost every write made in the last `failoverLag`: the
    /// state becomes the one as of `now - failoverLag` (writes at times `> now - lag` are
    /// lost), with expiries still judged at `now`. With lag 0 nothing is lost.
    /// Every key whose state changes gets a `failoverReverted` event, in key order.
    public func failover(now: LocalTime) {
        readClocks(now)
        sweep(now: now)
        failoverCount += 1
        guard failoverLag > 0 else { return }
        let cut = global(now - failoverLag)
        // Keys written after the cut are the only ones that can differ.
        var touched = Set<String>()
        var i = history.count - 1
        while i >= 0, history[i].time > cut {
            // Earlier failover reverts are writes of the old primary too.
            touched.insert(history[i].key)
            i -= 1
        }
        for key in touched.sorted() {
            let restored = state(of: key, asOf: cut).flatMap { e -> Entry? in
                let e = Entry(value: e.value, expiresAt: e.serviceExpiresAt)
                if let d = e.expiresAt, d <= now { return nil }
                return e
            }
            let current = entries[key]
            if restored == current { continue }
            if let restored {
                store(key, restored)
            } else {
                unstore(key)
            }
            record(now, key, restored?.value, .failoverReverted, restored?.expiresAt)
        }
    }

    // MARK: Queries (no side effects)

    /// Current value (nil if absent or expired) — for checks.
    public func value(of key: String, now: LocalTime) -> String? {
        guard let e = entries[key] else { return nil }
        if let d = e.expiresAt, d <= now { return nil }
        return e.value
    }

    /// Remaining time to live of a key at `now` (nil: absent/expired or no expiry).
    public func ttl(of key: String, now: LocalTime) -> SimDuration? {
        guard let e = entries[key], let d = e.expiresAt, d > now else { return nil }
        return d - now
    }

    /// The history events of one key, in order.
    public func events(of key: String) -> [LockServiceEvent] {
        (eventsByKey[key] ?? []).map { history[$0] }
    }

    /// The key's state as of global time `t` according to history (expiry not applied).
    func state(of key: String, asOf t: SimTime) -> (value: String, expiresAt: SimTime?, serviceExpiresAt: LocalTime?)? {
        guard let idx = eventsByKey[key] else { return nil }
        // Last event with time <= t (history is ordered by time).
        var lo = 0
        var hi = idx.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if history[idx[mid]].time <= t { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let ev = history[idx[lo - 1]]
        guard ev.leavesPresent, let v = ev.value else { return nil }
        return (v, ev.expiresAt, ev.serviceExpiresAt)
    }

    // MARK: Internals

    private func store(_ key: String, _ e: Entry) {
        entries[key] = e
        if let d = e.expiresAt {
            expiring[key] = d
            if nextDeadline == nil || d < nextDeadline! { nextDeadline = d }
        } else {
            expiring[key] = nil
        }
    }

    private func unstore(_ key: String) {
        entries[key] = nil
        expiring[key] = nil
    }

    @discardableResult
    private func remove(_ key: String, now: LocalTime) -> Bool {
        guard let e = entries[key] else { return false }
        unstore(key)
        record(now, key, e.value, .deleted, e.expiresAt)
        return true
    }

    private func expire(_ key: String, ttl: SimDuration, now: LocalTime) {
        guard var e = entries[key] else { return }
        if ttl <= 0 {
            // Redis deletes a key given a non-positive expire.
            remove(key, now: now)
            return
        }
        e.expiresAt = now + ttl
        store(key, e)
        record(now, key, e.value, .extended, e.expiresAt)
    }

    /// Removes every key whose deadline is `<= now`, recording `expired` events in
    /// (deadline, key) order, each at its deadline.
    private func sweep(now: LocalTime) {
        guard let nd = nextDeadline, nd <= now else { return }
        var due: [(LocalTime, String)] = []
        var newNext: LocalTime?
        for (key, d) in expiring {
            if d <= now {
                due.append((d, key))
            } else if newNext == nil || d < newNext! {
                newNext = d
            }
        }
        due.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        for (d, key) in due {
            let e = entries[key]
            unstore(key)
            record(d, key, e?.value, .expired, d)
        }
        nextDeadline = newNext
    }

    private func record(
        _ time: LocalTime, _ key: String, _ value: String?, _ kind: LockServiceEvent.Kind, _ expiresAt: LocalTime?
    ) {
        eventsByKey[key, default: []].append(history.count)
        // In global time, never before the previous event nor after the global now (an
        // expiry noticed late after the service's clock was stepped forward).
        var at = global(time)
        if let last = history.last?.time, at < last { at = last }
        if let g = globalClock?(), at > g { at = g }
        history.append(
            LockServiceEvent(
                time: at, key: key, value: value, kind: kind, expiresAt: expiresAt.map(global),
                serviceExpiresAt: expiresAt))
    }
}

/// Tenure queries for checks.
extension LockServiceModel {
    /// Who held `key` at time `t` according to the service's history (expiry judged by
    /// each event's `expiresAt`, so it is exact even where the model noticed it late).
    public func holder(of key: String, at t: SimTime) -> String? {
        guard let e = state(of: key, asOf: t) else { return nil }
        if let d = e.expiresAt, d <= t { return nil }
        return e.value
    }

    /// Every key the history mentions, sorted.
    public var keysInHistory: [String] { eventsByKey.keys.sorted() }

    /// Every maximal interval during which `key` held one value, in order. Two adjacent
    /// tenures with different values and no gap are a handover (or a failover revert).
    public func tenures(of key: String) -> [LockTenure] {
        var out: [LockTenure] = []
        var cur: LockTenure?
        var curDeadline: SimTime?
        for ev in events(of: key) {
            if var c = cur, let d = curDeadline, d <= ev.time {
                c.until = d
                out.append(c)
                cur = nil
            }
            if ev.leavesPresent, let v = ev.value {
                if let c = cur, c.value == v {
                    curDeadline = ev.expiresAt
                } else {
                    if var c = cur {
                        c.until = ev.time
                        out.append(c)
                    }
                    cur = LockTenure(value: v, from: ev.time, until: nil)
                    curDeadline = ev.expiresAt
                }
            } else if var c = cur {
                c.until = ev.time
                out.append(c)
                cur = nil
            }
        }
        if var c = cur {
            c.until = curDeadline
            out.append(c)
        }
        return out
    }
}
