import Coordination
import GitStore
import Nostr
import Relay
import SimKernel

/// `single-writer`, `lease-ownership` and `lock-liveness`: judged at the end of the run from
/// the storage's write log, the lock service's history and its commands, and the replicas'
/// own tenures — never from what the lock client reports about itself.
final class LockSafety: InvariantFamily {
    static let invariants: Set<InvariantName> = [.singleWriter, .leaseOwnership, .lockLiveness]
    static let observes: HistoryKinds = [.tenure]

    private var tenures = TenureLog()
    /// The lock service's node name (for its clock).
    static let service = "locks"

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) { tenures.note(entry) }

    func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations) {
        guard let lock = w.lockService else { return }
        singleWriter(w, violations)
        leaseOwnership(w, violations)
        lockLiveness(w, lock, violations)
    }

    /// `single-writer`: no interleaved writes within a tenure, and fencing tokens never
    /// accepted out of order.
    private func singleWriter(_ w: WorldView, _ violations: Violations) {
        let fail = violations.fail
        // Interleaving, judged by what the replicas believe (their own grant..release; the
        // service's view can be reverted by a failover): within one of its tenures a
        // replica R writes, another replica writes, and R writes again. That is the lease
        // lock's hazard (a paused holder resuming after another took over); fencing
        // prevents it by refusing R's late writes.
        // Lock and replica names are numbered once, so the walk below indexes flat tables
        // (lock × replica) instead of hashing two names per look-up.
        var locks = NameNumbers()
        var replicas = NameNumbers()
        let writes = w.storage.writes.filter { $0.operation != "create" }
        let tenures = self.tenures.changes.map {
            (time: $0.time, replica: replicas.number($0.replica), lock: locks.number($0.lock), granted: $0.granted)
        }
        let writeSlots = writes.map { (lock: locks.number($0.repo.lockName), writer: replicas.number($0.writer)) }
        let replicaCount = replicas.names.count
        let slots = locks.names.count * replicaCount
        var holding = [SimTime?](repeating: nil, count: slots)  // tenure start
        var firstWrite = [SimTime?](repeating: nil, count: slots)  // first write in the tenure
        var lastWrite = [SimTime?](repeating: nil, count: slots)  // last write
        var tenureAtWrite = [SimTime?](repeating: nil, count: slots)  // start of the tenure its last write was in
        var highest = [(token: UInt64, writer: Int)?](repeating: nil, count: locks.names.count)
        // Replicas in name order: the first interleaving reported is the same in every run.
        let byName = replicas.names.indices.sorted { replicas.names[$0] < replicas.names[$1] }
        var logIndex = 0
        for (wr, (lock, writer)) in zip(writes, writeSlots) {
            // A release at the very instant of a write comes after it (a holder writes, then
            // lets go); a grant at that instant comes before.
            while logIndex < tenures.count,
                tenures[logIndex].time < wr.time || (tenures[logIndex].time == wr.time && tenures[logIndex].granted)
            {
                let e = tenures[logIndex]
                let slot = e.lock * replicaCount + e.replica
                holding[slot] = e.granted ? e.time : nil
                firstWrite[slot] = nil
                logIndex += 1
            }
            let base = lock * replicaCount
            let slot = base + writer
            if let mine = holding[slot] {
                if let first = firstWrite[slot] {
                    for other in byName where other != writer {
                        guard let t = lastWrite[base + other], t > first else { continue }
                        // Of the two, the stale writer is the one whose tenure (when it wrote)
                        // began first: its lease lapsed and the other took the lock. The
                        // message and the node name it, not the legitimate holder.
                        let otherName = replicas.names[other]
                        if let theirs = tenureAtWrite[base + other], theirs < mine {
                            fail(
                                .singleWriter, t, otherName,
                                "\(otherName) (stale: its tenure began at \(Time.format(theirs))) wrote \(wr.repo) at \(Time.format(t)), inside the tenure \(wr.writer) began at \(Time.format(mine)) and wrote in at \(Time.format(first)) and \(Time.format(wr.time))"
                            )
                        } else if tenureAtWrite[base + other] == nil {
                            fail(
                                .singleWriter, t, otherName,
                                "\(otherName) wrote \(wr.repo) at \(Time.format(t)) without holding its lock, inside the tenure \(wr.writer) began at \(Time.format(mine)) and wrote in at \(Time.format(first)) and \(Time.format(wr.time))"
                            )
                        } else {
                            fail(
                                .singleWriter, wr.time, wr.writer,
                                "\(wr.writer) (stale: its tenure began at \(Time.format(mine))) wrote '\(wr.operation)' to \(wr.repo) at \(Time.format(wr.time)) after \(otherName) took over and wrote it at \(Time.format(t)); \(wr.writer) had begun writing at \(Time.format(first))"
                            )
                        }
                        break
                    }
                } else {
                    firstWrite[slot] = wr.time
                }
            }
            lastWrite[slot] = wr.time
            tenureAtWrite[slot] = holding[slot]
            if let tok = wr.token {
                if let hi = highest[lock], tok < hi.token || (tok == hi.token && writer != hi.writer) {
                    fail(
                        .singleWriter, wr.time, wr.writer,
                        "storage accepted fencing token \(tok) from \(wr.writer) for \(wr.repo) after token \(hi.token) from \(replicas.names[hi.writer])"
                    )
                }
                if tok >= highest[lock]?.token ?? 0 { highest[lock] = (tok, writer) }
            }
        }
    }

    /// `lease-ownership`: only plain DEL and PEXPIRE can touch another replica's lease (the
    /// scripts compare the value first).
    private func leaseOwnership(_ w: WorldView, _ violations: Violations) {
        let fail = violations.fail
        for c in w.lockCommands {
            switch c.command {
            case .del(let key) where key.hasPrefix("lock:"):
                guard let v = c.valueBefore else { continue }
                let owner = LockClient.instance(ofLease: v)
                if owner != c.sender {
                    fail(
                        .leaseOwnership, c.time, c.sender,
                        "\(c.sender) deleted \(key), which held \(owner)'s lease \(v)")
                }
            case .pexpire(let key, _) where key.hasPrefix("lock:"):
                guard let v = c.valueBefore else { continue }
                let owner = LockClient.instance(ofLease: v)
                if owner != c.sender {
                    fail(
                        .leaseOwnership, c.time, c.sender,
                        "\(c.sender) extended \(key), which held \(owner)'s lease \(v)")
                }
            default: break
            }
        }
    }

    /// `lock-liveness`: no lease value held continuously for longer than the longest
    /// operation (plus its holder's pauses), and none outliving its holder.
    private func lockLiveness(_ w: WorldView, _ lock: LockServiceModel, _ violations: Violations) {
        let fail = violations.fail
        let t = w.now
        // Tenures: a lease value held continuously.
        // The service notices expiries lazily (at its next command), so a lease nobody
        // asks about again has no `expired` event: its deadline is kept here instead.
        var open: [String: (value: String, since: SimTime, expiresAt: SimTime?)] = [:]
        func close(_ key: String, at end: SimTime) {
            guard let o = open.removeValue(forKey: key) else { return }
            // A holder paused mid-operation finishes it later: its pause adds to the bound,
            // and so does whatever the service's clock drifted or was stepped back meanwhile
            // (the lease's ttl runs on that clock).
            let bound =
                w.maxTenure + w.unavailable(replica: LockClient.instance(ofLease: o.value), from: o.since, to: end)
                + w.clockAllowance(Self.service, from: o.since, to: end)
            if end - o.since > bound {
                fail(
                    .lockLiveness, end, "locks",
                    "lease \(o.value) held \(key) for \(Time.format(end - o.since)) (from \(Time.format(o.since))), longer than \(Time.format(bound))"
                )
            }
        }
        for e in lock.history where e.key.hasPrefix("lock:") {
            switch e.kind {
            case .set:
                if let o = open[e.key], o.value == e.value {
                    open[e.key]?.expiresAt = e.expiresAt
                    continue
                }
                close(e.key, at: e.time)
                if let v = e.value { open[e.key] = (v, e.time, e.expiresAt) }
            case .deleted, .expired, .failoverReverted:
                close(e.key, at: e.time)
            case .extended:
                open[e.key]?.expiresAt = e.expiresAt
            case .incremented:
                break
            }
        }
        for key in open.keys.sorted() {
            guard let o = open[key] else { continue }
            // Still held at the end: fine only if a live operation holds it.
            if lock.holder(of: key, at: t) == o.value, !w.activeLeases.contains(o.value),
                t - o.since > w.maxTenure + w.clockAllowance(Self.service, from: o.since, to: t)
            {
                fail(
                    .lockLiveness, t, "locks",
                    "lease \(o.value) on \(key) outlived its holder (held since \(Time.format(o.since)))")
            }
            close(key, at: min(t, o.expiresAt ?? t))
        }
    }
}

/// Names numbered 0, 1, 2… in order of first appearance (to index flat tables by them).
struct NameNumbers {
    private(set) var names: [String] = []
    private var numbers: [String: Int] = [:]
    /// The last name asked for (runs of writes to one repository by one writer are common).
    private var last: (name: String, number: Int)?
    mutating func number(_ name: String) -> Int {
        if let last, last.name == name { return last.number }
        let n: Int
        if let known = numbers[name] {
            n = known
        } else {
            n = names.count
            numbers[name] = n
            names.append(name)
        }
        last = (name, n)
        return n
    }
}
