import SimKernel

public enum LockPurpose: String, Sendable { case push, advertisement, background }

public struct LockOptions: Sendable, Equatable {
    public var ttl: SimDuration = Time.s(30)
    /// Heartbeat every `ttl * heartbeatFraction`.
    public var heartbeatFraction: Double = 1.0 / 3.0
    /// Push/advertisement paths retry after 100 ms, doubling...
    public var retryInitial: SimDuration = Time.ms(100)
    /// ...capped at 500 ms...
    public var retryMax: SimDuration = Time.ms(500)
    /// ...while (elapsed + next delay) <= 5 s. Background never retries.
    public var retryBudget: SimDuration = Time.s(5)
    /// A command without reply by then counts as failed.
    public var commandTimeout: SimDuration = Time.s(1)
    /// Each grant also INCRs `fence:<repo>` and carries the value as its token.
    public var fencing: Bool = true
    // Deliberately broken variants (SPEC §8), false in the reference:
    /// §8.3 release with plain DEL (no compare).
    public var faultPlainDeleteRelease = false
    /// §8.4 heartbeat with plain PEXPIRE (no compare).
    public var faultHeartbeatWithoutCompare = false
    /// §8.8 push/advertisement paths do not retry.
    public var faultNoPushRetry = false
    /// Test doubles: replace the heartbeat period, or the lease time the client asks the
    /// service for (tests plant mistakes here; no configuration key sets them).
    public var heartbeatHook: TestHook<SimDuration, SimDuration>? = nil
    public var leaseTimeHook: TestHook<SimDuration, SimDuration>? = nil

    public init() {}

    /// The heartbeat period (at least 1 ns).
    public var heartbeatInterval: SimDuration {
        let d = max(1, ttl.scaled(by: heartbeatFraction))
        return heartbeatHook?.body(d) ?? d
    }

    /// The lease time sent with SET and each heartbeat.
    var leaseTime: SimDuration { leaseTimeHook?.body(ttl) ?? ttl }
}

public enum LockDenial: String, Sendable {
    case inProgress = "in-progress"
    case lockHeld = "lock-held"
    case unavailable
}

public enum LockClientInput: Sendable {
    /// Op ids are chosen by the caller, unique per client.
    case acquire(op: UInt64, repo: String, purpose: LockPurpose)
    /// The answer to a `.send`.
    case reply(command: UInt64, LockReply)
    /// A timer set by `.setTimer` fired.
    case timer(UInt64)
    /// Work done (or abandoned): release the lock.
    case release(op: UInt64)
}

public enum LockClientEffect: Sendable {
    /// To the lock service (may be lost: then the commandTimeout timer decides).
    case send(command: UInt64, LockCommand)
    case setTimer(id: UInt64, after: SimDuration)
    /// `token`: fencing token (nil when fencing is off).
    case granted(op: UInt64, repo: String, token: UInt64?)
    case denied(op: UInt64, repo: String, LockDenial)
    /// Heartbeat failed/timed out: work must stop at its next checkpoint.
    case aborted(op: UInt64, repo: String, reason: String)
    case released(op: UInt64, repo: String)
    case trace(String, [(String, String)])
}

/// One replica's lock client (sans-IO).
///
/// - in-process guard: a second acquire for a repository this client holds or is acquiring
///   is denied `in-progress` at once, without a command;
/// - acquisition by `SET lock:<repo> <lease> NX PX ttl`, where the lease value
///   `"<instanceID>:<op>:<n>"` is unique per attempt (`n` counts attempts over the client's
///   life, surviving `reset()`), so a stale compare never matches a newer lease, even one
///   of the same instance and op;
/// - push/advertisement retry 100 ms doubling to 500 ms while (elapsed + next delay) stays
///   within the 5 s budget; background never retries;
/// - with fencing, `INCR fence:<repo>` after the SET; its value is the grant's token;
/// - heartbeat every ttl/3 by compare-and-PEXPIRE; failure, error or timeout aborts once;
/// - release by compare-and-delete on every exit path (release, abandoned acquisition,
///   failed INCR, late `OK` to a timed-out SET).
///
/// Every command gets a `commandTimeout` timer; replies to commands that timed out, and
/// timers that no longer match an active operation, are ignored.
public final class LockClient {
    public let instanceID: String
    public var options: LockOptions

    enum Phase: Equatable {
        /// A SET attempt is in flight.
        case setting
        /// Waiting for the retry timer.
        case backingOff
        /// The SET succeeded; INCR of the fencing counter is in flight.
        case fencing
        case holding

        /// The phase changes an acquisition may make: set → (fence →) hold, or back off and
        /// set again. Holding ends only with the op.
        func mayBecome(_ next: Phase) -> Bool {
            switch (self, next) {
            case (.setting, .fencing), (.setting, .holding), (.setting, .backingOff),
                (.fencing, .holding), (.fencing, .backingOff), (.backingOff, .setting):
                return true
            default:
                return false
            }
        }
    }

    /// Moves an op to its next phase; anything else is a bug in this client.
    func move(_ o: inout Op, to next: Phase) {
        precondition(o.phase.mayBecome(next), "lock op \(o.op) (\(o.repo)): \(o.phase) -> \(next)")
        o.phase = next
    }

    struct Op {
        var op: UInt64
        var repo: String
        var purpose: LockPurpose
        var startedAt: LocalTime
        var nextDelay: SimDuration
        var phase: Phase
        /// Lease value of the current attempt (or of the grant).
        var lease: String
        var token: UInt64?
        var aborted = false
        /// The command currently awaited for this op (SET or INCR), if any.
        var command: UInt64?
        var retryTimer: UInt64?
        var heartbeatTimer: UInt64?
        var attempts = 0
    }

    enum Pending {
        case set(op: UInt64, repo: String, lease: String)
        case incr(op: UInt64, lease: String)
        case heartbeat(op: UInt64, lease: String)
    }

    enum TimerPurpose {
        case commandTimeout(command: UInt64)
        case retry(op: UInt64)
        case heartbeat(op: UInt64)
    }

    var ops = SmallMap<UInt64, Op>()
    /// In-process guard: repository → op acquiring or holding it.
    var repoOwner: [String: UInt64] = [:]
    var pending = SmallMap<UInt64, Pending>()
    /// Command → its timeout timer.
    var commandTimers = SmallMap<UInt64, UInt64>()
    /// SETs whose attempt timed out: a late `OK` means we hold a lease nobody uses.
    var orphanedSets: [UInt64: (repo: String, lease: String)] = [:]
    var timers = SmallMap<UInt64, TimerPurpose>()
    // Counters survive reset(): ids of a crashed incarnation never collide with new ones.
    var nextCommand: UInt64 = 1
    var nextTimer: UInt64 = 1
    var attemptCounter: UInt64 = 0

    public init(instanceID: String, options: LockOptions) {
        self.instanceID = instanceID
        self.options = options
    }

    /// The lock key of a repository.
    public static func lockKey(_ repo: String) -> String { "lock:" + repo }
    /// The fencing counter key of a repository.
    public static func fenceKey(_ repo: String) -> String { "fence:" + repo }

    /// The instance part of a lease value made by any LockClient (`"<instance>:<op>:<n>"`).
    public static func instance(ofLease lease: String) -> String {
        // Everything before the second-to-last colon (the whole value when it has fewer than two).
        let utf8 = lease.utf8
        guard let last = utf8.lastIndex(of: UInt8(ascii: ":")),
            let cut = utf8[..<last].lastIndex(of: UInt8(ascii: ":"))
        else { return lease }
        return String(lease[..<cut])
    }

    // MARK: Queries

    /// The abort signal of an operation (checked by the holder at each checkpoint): true
    /// once its heartbeat failed, until it is released.
    public func isAborted(op: UInt64) -> Bool {
        ops[op]?.aborted ?? false
    }

    /// Operations currently holding a lock (aborted ones included until released), sorted by op.
    public var holding: [(op: UInt64, repo: String, token: UInt64?)] {
        ops.values.filter { $0.phase == .holding }
            .sorted { $0.op < $1.op }
            .map { (op: $0.op, repo: $0.repo, token: $0.token) }
    }

    /// The fencing token of an op holding its lock (nil when it does not hold one, or
    /// fencing is off): `holding`'s entry for `op`, without building the list.
    public func token(of op: UInt64) -> UInt64? {
        guard let o = ops[op], o.phase == .holding else { return nil }
        return o.token
    }

    /// Whether any op holds a lock (`!holding.isEmpty`).
    public var holdsAny: Bool { ops.values.contains { $0.phase == .holding } }

    /// The lease value of a held or acquiring op (for checks against the service).
    public func lease(of op: UInt64) -> String? {
        ops[op]?.lease
    }

    /// Whether anything is in flight or scheduled that still matters (for quiescence checks).
    public var isIdle: Bool { ops.isEmpty && pending.isEmpty }

    /// Forget everything (the process crashed); pending timers/replies arriving later are ignored.
    public func reset() {
        ops = SmallMap()
        repoOwner = [:]
        pending = SmallMap()
        commandTimers = SmallMap()
        orphanedSets = [:]
        timers = SmallMap()
    }

    // MARK: Input

    public func handle(_ input: LockClientInput, now: LocalTime) -> [LockClientEffect] {
        var out: [LockClientEffect] = []
        switch input {
        case .acquire(let op, let repo, let purpose):
            acquire(op: op, repo: repo, purpose: purpose, now: now, &out)
        case .reply(let command, let reply):
            onReply(command: command, reply, now: now, &out)
        case .timer(let id):
            onTimer(id, now: now, &out)
        case .release(let op):
            release(op: op, &out)
        }
        return out
    }

    // MARK: Acquisition

    func acquire(op: UInt64, repo: String, purpose: LockPurpose, now: LocalTime, _ out: inout [LockClientEffect]) {
        if repoOwner[repo] != nil {
            out.append(.denied(op: op, repo: repo, .inProgress))
            return
        }
        if ops[op] != nil {
            // The caller reused an active op id: refuse without disturbing that op.
            out.append(.trace("lock.duplicate-op", [("op", "\(op)"), ("repo", repo)]))
            out.append(.denied(op: op, repo: repo, .inProgress))
            return
        }
        ops[op] = Op(
            op: op, repo: repo, purpose: purpose, startedAt: now,
            nextDelay: options.retryInitial, phase: .setting, lease: "")
        repoOwner[repo] = op
        startAttempt(op: op, &out)
    }

    func startAttempt(op: UInt64, _ out: inout [LockClientEffect]) {
        guard var o = ops[op] else { return }
        attemptCounter += 1
        o.attempts += 1
        o.lease = "\(instanceID):\(op):\(attemptCounter)"
        // The first attempt of a new op is already `.setting`; every later one comes from a backoff.
        if o.attempts > 1 {
            move(&o, to: .setting)
        } else {
            precondition(o.phase == .setting, "lock op \(op) starts in \(o.phase)")
        }
        o.retryTimer = nil
        let cmd = send(
            .set(key: Self.lockKey(o.repo), value: o.lease, nx: true, px: options.leaseTime),
            as: .set(op: op, repo: o.repo, lease: o.lease), &out)
        o.command = cmd
        ops[op] = o
    }

    func onSetReply(
        op: UInt64, repo: String, lease: String, _ reply: LockReply, now: LocalTime, _ out: inout [LockClientEffect]
    ) {
        guard var o = ops[op], o.phase == .setting, o.lease == lease else {
            // Cannot happen (pending SETs are dropped with their op), but never leak a lease.
            if reply == .ok { cleanup(repo: repo, lease: lease, &out) }
            return
        }
        o.command = nil
        switch reply {
        case .ok:
            if options.fencing {
                move(&o, to: .fencing)
                ops[op] = o
                let cmd = send(.incr(key: Self.fenceKey(o.repo)), as: .incr(op: op, lease: lease), &out)
                ops[op]?.command = cmd
            } else {
                ops[op] = o
                grant(op: op, token: nil, now: now, &out)
            }
        case .null:
            ops[op] = o
            failedAttempt(op: op, .lockHeld, detail: "held", now: now, &out)
        case .error(let e):
            ops[op] = o
            failedAttempt(op: op, .unavailable, detail: "error: \(e)", now: now, &out)
        case .integer, .bulk:
            ops[op] = o
            failedAttempt(op: op, .unavailable, detail: "unexpected reply \(reply.traceLabel)", now: now, &out)
        }
    }

    func onIncrReply(
        op: UInt64, lease: String, _ reply: LockReply, now: LocalTime, _ out: inout [LockClientEffect]
    ) {
        guard var o = ops[op], o.phase == .fencing, o.lease == lease else { return }
        o.command = nil
        ops[op] = o
        if case .integer(let n) = reply, n > 0 {
            grant(op: op, token: UInt64(n), now: now, &out)
        } else {
            fenceFailed(op: op, detail: "incr: \(reply.traceLabel)", now: now, &out)
        }
    }

    /// The SET succeeded but no token could be obtained: give the lease back, count the
    /// attempt as failed.
    func fenceFailed(op: UInt64, detail: String, now: LocalTime, _ out: inout [LockClientEffect]) {
        guard let o = ops[op] else { return }
        cleanup(repo: o.repo, lease: o.lease, &out)
        failedAttempt(op: op, .unavailable, detail: detail, now: now, &out)
    }

    func failedAttempt(
        op: UInt64, _ denial: LockDenial, detail: String, now: LocalTime, _ out: inout [LockClientEffect]
    ) {
        guard var o = ops[op] else { return }
        let retries = o.purpose != .background && !options.faultNoPushRetry
        let elapsed = now - o.startedAt
        let delay = o.nextDelay
        if retries && elapsed + delay <= options.retryBudget {
            move(&o, to: .backingOff)
            o.nextDelay = min(delay * 2, options.retryMax)
            let t = newTimer(.retry(op: op), after: delay, &out)
            o.retryTimer = t
            ops[op] = o
            out.append(
                .trace(
                    "lock.retry",
                    [
                        ("op", "\(op)"), ("repo", o.repo), ("attempt", "\(o.attempts)"),
                        ("after", Time.format(delay)), ("cause", detail),
                    ]))
            return
        }
        finish(op: op)
        out.append(
            .trace(
                "lock.deny",
                [
                    ("op", "\(op)"), ("repo", o.repo), ("attempts", "\(o.attempts)"),
                    ("elapsed", Time.format(elapsed)), ("cause", detail),
                ]))
        out.append(.denied(op: op, repo: o.repo, denial))
    }

    func grant(op: UInt64, token: UInt64?, now: LocalTime, _ out: inout [LockClientEffect]) {
        guard var o = ops[op] else { return }
        move(&o, to: .holding)
        o.token = token
        o.heartbeatTimer = newTimer(.heartbeat(op: op), after: options.heartbeatInterval, &out)
        ops[op] = o
        out.append(.granted(op: op, repo: o.repo, token: token))
    }

    // MARK: Plumbing

    func send(_ command: LockCommand, as p: Pending, _ out: inout [LockClientEffect]) -> UInt64 {
        let cmd = nextCommand
        nextCommand += 1
        pending[cmd] = p
        out.append(.send(command: cmd, command))
        commandTimers[cmd] = newTimer(.commandTimeout(command: cmd), after: options.commandTimeout, &out)
        return cmd
    }

    func dropPending(_ cmd: UInt64) {
        pending[cmd] = nil
        if let t = commandTimers.removeValue(forKey: cmd) { timers[t] = nil }
    }

    func newTimer(_ purpose: TimerPurpose, after: SimDuration, _ out: inout [LockClientEffect]) -> UInt64 {
        let id = nextTimer
        nextTimer += 1
        timers[id] = purpose
        out.append(.setTimer(id: id, after: after))
        return id
    }

    func onReply(command: UInt64, _ reply: LockReply, now: LocalTime, _ out: inout [LockClientEffect]) {
        if !orphanedSets.isEmpty, let orphan = orphanedSets.removeValue(forKey: command) {
            if reply == .ok {
                out.append(.trace("lock.late-ok", [("repo", orphan.repo), ("lease", orphan.lease)]))
                cleanup(repo: orphan.repo, lease: orphan.lease, &out)
            }
            return
        }
        guard let p = pending[command] else { return }  // timed out, reset, or never ours
        dropPending(command)
        switch p {
        case .set(let op, let repo, let lease): onSetReply(op: op, repo: repo, lease: lease, reply, now: now, &out)
        case .incr(let op, let lease): onIncrReply(op: op, lease: lease, reply, now: now, &out)
        case .heartbeat(let op, let lease): onHeartbeatReply(op: op, lease: lease, reply, &out)
        }
    }

    func onTimer(_ id: UInt64, now: LocalTime, _ out: inout [LockClientEffect]) {
        guard let purpose = timers.removeValue(forKey: id) else { return }  // stale
        switch purpose {
        case .commandTimeout(let cmd):
            commandTimers[cmd] = nil
            guard let p = pending.removeValue(forKey: cmd) else { return }
            switch p {
            case .set(let op, let repo, let lease):
                orphanedSets[cmd] = (repo, lease)
                guard var o = ops[op], o.phase == .setting, o.lease == lease else { return }
                o.command = nil
                ops[op] = o
                failedAttempt(op: op, .unavailable, detail: "set timed out", now: now, &out)
            case .incr(let op, let lease):
                guard var o = ops[op], o.phase == .fencing, o.lease == lease else { return }
                o.command = nil
                ops[op] = o
                fenceFailed(op: op, detail: "incr timed out", now: now, &out)
            case .heartbeat(let op, let lease):
                guard let o = ops[op], o.phase == .holding, o.lease == lease else { return }
                abort(op: op, reason: "heartbeat timed out", &out)
            }
        case .retry(let op):
            guard let o = ops[op], o.phase == .backingOff, o.retryTimer == id else { return }
            startAttempt(op: op, &out)
        case .heartbeat(let op):
            guard let o = ops[op], o.heartbeatTimer == id else { return }
            heartbeat(op: op, &out)
        }
    }
}
