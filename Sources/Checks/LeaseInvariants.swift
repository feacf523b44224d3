import Coordination
import SimKernel

/// `lease-kept-alive` and `lock-freed-after-crash`: the lease lock's liveness, judged
/// from the lock service's history, the replicas' own tenures and crashes, and the faults
/// the run injected — with the ttl, heartbeat period and bounds from the configuration,
/// never from what the lock client reports.
final class LeaseLiveness: InvariantFamily {
    static let invariants: Set<InvariantName> = [.leaseKeptAlive, .lockFreedAfterCrash]
    static let observes: HistoryKinds = [.fault, .tenure]

    private var tenures = TenureLog()
    private var faults = FaultSpans()

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        tenures.note(entry)
        if case .fault(let text) = entry.item { faults.note(text, entry.time) }
    }

    func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations) {
        let fail = violations.fail
        guard let lock = w.lockService else { return }
        let o = w.lockOptions
        // The heartbeat period the configuration asks for (not what the client computes).
        let period = max(1, o.ttl.scaled(by: o.heartbeatFraction))
        // Heartbeats can keep a lease only if one fits in a ttl with its trip to the
        // service, however the holder's and the service's clocks drift, and replies come
        // before the command timeout; otherwise say nothing.
        let heartbeatsCanWork =
            w.networkLoss == 0 && w.networkReorder == 0
            && 2 * w.networkLatencyMax < o.commandTimeout
            && period + w.driftAllowance(over: period) + w.networkLatencyMax < o.ttl - w.driftAllowance(over: o.ttl)
        // A step of the service's clock expires leases at once, and the expiry it notices
        // then is placed up to the step's size before it: any step of the service's or the
        // holder's clock from a ttl before an expiry to that far after it excuses it.
        let serviceJumps = w.clockJumps(node: LockSafety.service, from: .zero, to: .max)
        for e in lock.history where e.kind == .expired && e.key.hasPrefix("lock:") {
            guard heartbeatsCanWork, let value = e.value else { continue }
            let owner = LockClient.instance(ofLease: value)
            let name = String(e.key.dropFirst(5))
            let window = (from: e.time - o.ttl, to: e.time)
            let stepped = (from: window.from, to: window.to + serviceJumps)
            guard tenures.held(owner, name, at: e.time),
                w.unavailable(replica: owner, from: window.from, to: window.to) == 0,
                faults.free(from: window.from, to: window.to),
                w.clockJumps(node: LockSafety.service, from: stepped.from, to: stepped.to) == 0,
                w.clockJumps(node: owner, from: stepped.from, to: stepped.to) == 0
            else { continue }
            fail(
                .leaseKeptAlive, e.time, owner,
                "lease \(value) on \(e.key) expired at \(Time.format(e.time)) while \(owner) still held it, ran, and reached the lock service: heartbeats every \(Time.format(period)) should have kept it (ttl \(Time.format(o.ttl)))"
            )
        }
        for c in tenures.crashes {
            // The lease's ttl runs on the service's clock: a drift or a step back of it
            // between the lease's last renewal and the bound moves the bound.
            let bound =
                c.time + w.maxLockedAfterCrash
                + w.clockAllowance(
                    LockSafety.service, from: c.time - o.ttl, to: c.time + w.maxLockedAfterCrash + serviceJumps)
            // A lossy failover can bring an old lease back: not this check's business.
            if faults.spans.contains(where: { $0.isFailover && $0.start >= c.time - o.ttl && $0.start <= bound }) {
                continue
            }
            // Leases of this replica on the service at the crash.
            // Judged at the bound from the service's history, each event's own expiry
            // included (the service notices expiries lazily, so no event need mark it).
            guard bound <= w.now else { continue }
            for key in lock.keysInHistory where key.hasPrefix("lock:") {
                guard let value = lock.holder(of: key, at: c.time), LockClient.instance(ofLease: value) == c.replica,
                    lock.holder(of: key, at: bound) == value
                else { continue }
                fail(
                    .lockFreedAfterCrash, bound, c.replica,
                    "\(c.replica) crashed at \(Time.format(c.time)) holding \(key); its lease \(value) still held it at \(Time.format(bound)), beyond the bound of \(Time.format(w.maxLockedAfterCrash))"
                )
            }
        }
    }
}
