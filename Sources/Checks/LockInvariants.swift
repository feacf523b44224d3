import Coordination
import GitStore
import Nostr
import Relay
import SimKernel

extension CheckSuite {
    /// single-writer and lock-liveness, from the storage's write log and the lock
    /// service's history.
    func finishLocks(_ w: WorldView) {
        guard let lock = w.lockService else { return }
        let t = w.now
        var highest: [String: (token: UInt64, writer: String)] = [:]  // lock name → highest token accepted
        // Interleaving, judged by what the replicas believe (their own grant..release; the
        // service's view can be reverted by a failover): within one of its tenures a
        // replica R writes, another replica writes, and R writes again. That is the lease
        // lock's hazard (a paused holder resuming after another took over); fencing
        // prevents it by refusing R's late writes.
        var holding: [String: [String: SimTime]] = [:]  // lock name → replica → tenure start
        var firstWrite: [String: [String: SimTime]] = [:]  // lock name → replica → first write in tenure
        var lastWrite: [String: [String: SimTime]] = [:]  // lock name → replica → last write
        var tenureAtWrite: [String: [String: SimTime]] = [:]  // lock name → replica → start of the tenure its last write was in
        var logIndex = 0
        for wr in w.storage.writes where wr.operation != "create" {
            let name = wr.repo.lockName
            // A release at the very instant of a write comes after it (a holder writes, then
            // lets go); a grant at that instant comes before.
            while logIndex < tenureLog.count,
                tenureLog[logIndex].0 < wr.time || (tenureLog[logIndex].0 == wr.time && tenureLog[logIndex].3)
            {
                let (time, replica, lockName, granted) = tenureLog[logIndex]
                if granted {
                    holding[lockName, default: [:]][replica] = time
                } else {
                    holding[lockName]?[replica] = nil
                }
                firstWrite[lockName]?[replica] = nil
                logIndex += 1
            }
            if holding[name]?[wr.writer] != nil {
                if let first = firstWrite[name]?[wr.writer] {
                    for (other, t) in (lastWrite[name] ?? [:]).sorted(by: { $0.key < $1.key })
                    where other != wr.writer && t > first {
                        // Of the two, the stale writer is the one whose tenure (when it wrote)
                        // began first: its lease lapsed and the other took the lock. The
                        // message and the node name it, not the legitimate holder.
                        let mine = holding[name]?[wr.writer] ?? first
                        if let theirs = tenureAtWrite[name]?[other], theirs < mine {
                            fail(
                                .singleWriter, t, other,
                                "\(other) (stale: its tenure began at \(Time.format(theirs))) wrote \(wr.repo) at \(Time.format(t)), inside the tenure \(wr.writer) began at \(Time.format(mine)) and wrote in at \(Time.format(first)) and \(Time.format(wr.time))"
                            )
                        } else if tenureAtWrite[name]?[other] == nil {
                            fail(
                                .singleWriter, t, other,
                                "\(other) wrote \(wr.repo) at \(Time.format(t)) without holding its lock, inside the tenure \(wr.writer) began at \(Time.format(mine)) and wrote in at \(Time.format(first)) and \(Time.format(wr.time))"
                            )
                        } else {
                            fail(
                                .singleWriter, wr.time, wr.writer,
                                "\(wr.writer) (stale: its tenure began at \(Time.format(mine))) wrote '\(wr.operation)' to \(wr.repo) at \(Time.format(wr.time)) after \(other) took over and wrote it at \(Time.format(t)); \(wr.writer) had begun writing at \(Time.format(first))"
                            )
                        }
                        break
                    }
                } else {
                    firstWrite[name, default: [:]][wr.writer] = wr.time
                }
            }
            lastWrite[name, default: [:]][wr.writer] = wr.time
            tenureAtWrite[name, default: [:]][wr.writer] = holding[name]?[wr.writer]
            if let tok = wr.token {
                if let hi = highest[name], tok < hi.token || (tok == hi.token && wr.writer != hi.writer) {
                    fail(
                        .singleWriter, wr.time, wr.writer,
                        "storage accepted fencing token \(tok) from \(wr.writer) for \(wr.repo) after token \(hi.token) from \(hi.writer)"
                    )
                }
                if tok >= highest[name]?.token ?? 0 { highest[name] = (tok, wr.writer) }
            }
        }
        // Only plain DEL and PEXPIRE can touch another replica's lease (the scripts compare).
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
        // Tenures: a lease value held continuously.
        // The service notices expiries lazily (at its next command), so a lease nobody
        // asks about again has no `expired` event: its deadline is kept here instead.
        var open: [String: (value: String, since: SimTime, expiresAt: SimTime?)] = [:]
        func close(_ key: String, at end: SimTime) {
            guard let o = open.removeValue(forKey: key) else { return }
            // A holder paused mid-operation finishes it later: its pause adds to the bound.
            let bound =
                w.maxTenure + w.unavailable(replica: LockClient.instance(ofLease: o.value), from: o.since, to: end)
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
            if lock.value(of: key, now: t) == o.value, !w.activeLeases.contains(o.value), t - o.since > w.maxTenure {
                fail(
                    .lockLiveness, t, "locks",
                    "lease \(o.value) on \(key) outlived its holder (held since \(Time.format(o.since)))")
            }
            close(key, at: min(t, o.expiresAt ?? t))
        }
    }
}
