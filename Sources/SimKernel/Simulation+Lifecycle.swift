import DequeModule

/// Pausing, crashing, restarting and shutting down nodes.
extension Simulation {
    // MARK: lifecycle

    /// Stops the node's processing: its timers and inbox wait until `resume`. Peers go on.
    public func pause(_ id: NodeID) {
        guard slots[Int(id.raw)].status == .running else { return }
        slots[Int(id.raw)].status = .paused
        slots[Int(id.raw)].availability.append((now, false))
        traceFault("pause", [("node", name(of: id))])
    }

    public func resume(_ id: NodeID) {
        let i = Int(id.raw)
        guard slots[i].status == .paused else { return }
        slots[i].status = .running
        slots[i].availability.append((now, true))
        let held = slots[i].held
        slots[i].held.removeAll()
        traceFault("resume", [("node", name(of: id)), ("held", String(held.count))])
        for e in held { push(now, e.payload) }
    }

    /// Kills the process: volatile state, timers and anything waiting in its inbox are gone.
    public func crash(_ id: NodeID) {
        let i = Int(id.raw)
        guard slots[i].status != .down else { return }
        dropHeld(i)
        if slots[i].status == .running { slots[i].availability.append((now, false)) }
        slots[i].status = .down
        slots[i].gracefulStop = false
        slots[i].incarnation &+= 1
        slots[i].downSince = now
        traceFault("crash", [("node", name(of: id))])
        slots[i].node.crashed()
    }

    /// Graceful stop: the node persists what it wants, then goes down.
    public func shutdown(_ id: NodeID) {
        let i = Int(id.raw)
        guard slots[i].status != .down else { return }
        dropHeld(i)
        traceFault("shutdown", [("node", name(of: id))])
        slots[i].node.shutdown(NodeContext(sim: self, node: id))
        if slots[i].status == .running { slots[i].availability.append((now, false)) }
        slots[i].status = .down
        slots[i].gracefulStop = true
        slots[i].incarnation &+= 1
        slots[i].downSince = now
    }

    public func restart(_ id: NodeID) {
        let i = Int(id.raw)
        guard slots[i].status == .down else { return }
        slots[i].status = .running
        slots[i].availability.append((now, true))
        let downtime = now - slots[i].downSince
        traceFault("restart", [("node", name(of: id)), ("downtime", Time.format(downtime))])
        slots[i].node.restarted(NodeContext(sim: self, node: id), graceful: slots[i].gracefulStop, downtime: downtime)
    }

    private func dropHeld(_ i: Int) {
        for e in slots[i].held {
            if case .deliver(_, _, _, let counted) = e.payload, counted {
                busyCount -= 1
            } else if case .timer(_, _, _, let p) = e.payload, !p {
                busyCount -= 1
            }
        }
        slots[i].held.removeAll()
    }

    /// Sets the node's clock offset and rate error (parts per million). After the start of
    /// the run a change of either moves the clock's reading at once (drift counts from the
    /// start), and the jump is kept for `clockJumps`. At time 0 a setting is where the
    /// clock starts, not a jump: nodes have only just started, and the timers they set are
    /// durations, which a drift set then moves only within the drift allowance.
    public func setClock(_ id: NodeID, skew: SimDuration, driftPPM: Int64 = 0) {
        let before = localTime(of: id)
        slots[Int(id.raw)].skew = skew
        slots[Int(id.raw)].driftPPM = driftPPM
        let jump = localTime(of: id) - before
        if jump != 0, now > 0 { slots[Int(id.raw)].clockJumps.append((now, jump)) }
        traceFault("clock", [("node", name(of: id)), ("skew", Time.format(skew)), ("drift_ppm", String(driftPPM))])
    }

    /// How far, in all, the node's clock reading jumped (forward or back) when its clock
    /// was set within [from, to]: what a duration the node measured across those instants
    /// can differ from the global clock by, besides its drift.
    /// `forwardOnly`: the forward jumps alone.
    public func clockJumps(_ id: NodeID, from: SimTime, to: SimTime, forwardOnly: Bool = false) -> SimDuration {
        var total: SimDuration = 0
        for (t, by) in slots[Int(id.raw)].clockJumps where t >= from && t <= to {
            if by > 0 { total += by } else if !forwardOnly { total -= by }
        }
        return total
    }

    /// How long the node was paused or down within [from, to].
    public func unavailable(_ id: NodeID, from: SimTime, to: SimTime) -> SimDuration {
        guard to > from else { return 0 }
        var total: SimDuration = 0
        var downSince: SimTime? = nil
        for (t, up) in slots[Int(id.raw)].availability {
            if !up {
                if downSince == nil { downSince = t }
            } else if let s = downSince {
                total += overlap(s, t, from, to)
                downSince = nil
            }
        }
        if let s = downSince { total += overlap(s, now, from, to) }
        return total
    }

    private func overlap(_ a: SimTime, _ b: SimTime, _ c: SimTime, _ d: SimTime) -> SimDuration {
        max(0, min(b, d) - max(a, c))
    }
}
