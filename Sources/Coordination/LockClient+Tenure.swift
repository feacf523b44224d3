import SimKernel

/// Keeping a granted lease alive and giving it back.
extension LockClient {
    // MARK: Heartbeat

    func heartbeat(op: UInt64, _ out: inout [LockClientEffect]) {
        guard var o = ops[op], o.phase == .holding, !o.aborted else { return }
        let command: LockCommand =
            options.faultHeartbeatWithoutCompare
            ? .pexpire(key: Self.lockKey(o.repo), ttl: options.leaseTime)
            : .compareAndPExpire(key: Self.lockKey(o.repo), value: o.lease, ttl: options.leaseTime)
        _ = send(command, as: .heartbeat(op: op, lease: o.lease), &out)
        o.heartbeatTimer = newTimer(.heartbeat(op: op), after: options.heartbeatInterval, &out)
        ops[op] = o
    }

    func onHeartbeatReply(op: UInt64, lease: String, _ reply: LockReply, _ out: inout [LockClientEffect]) {
        guard let o = ops[op], o.phase == .holding, o.lease == lease, !o.aborted else { return }
        if reply == .integer(1) { return }
        abort(op: op, reason: "heartbeat: \(reply == .integer(0) ? "lease lost" : reply.traceLabel)", &out)
    }

    func abort(op: UInt64, reason: String, _ out: inout [LockClientEffect]) {
        guard var o = ops[op], !o.aborted else { return }
        o.aborted = true
        if let t = o.heartbeatTimer { timers[t] = nil }
        o.heartbeatTimer = nil
        ops[op] = o
        out.append(.aborted(op: op, repo: o.repo, reason: reason))
    }

    // MARK: Release

    func release(op: UInt64, _ out: inout [LockClientEffect]) {
        guard let o = ops[op] else { return }  // denied, released or unknown: no-op
        switch o.phase {
        case .holding:
            if options.faultPlainDeleteRelease {
                sendUntracked(.del(key: Self.lockKey(o.repo)), &out)
            } else {
                cleanup(repo: o.repo, lease: o.lease, &out)
            }
        case .fencing:
            // The SET succeeded: give the lease back.
            cleanup(repo: o.repo, lease: o.lease, &out)
        case .setting:
            // The SET may still succeed: treat its reply like a late one.
            if let cmd = o.command, case .set? = pending[cmd] {
                pending[cmd] = nil
                orphanedSets[cmd] = (o.repo, o.lease)
            }
        case .backingOff:
            break
        }
        finish(op: op)
        out.append(.released(op: op, repo: o.repo))
    }

    /// Drops an op and everything that refers to it (its timers become stale).
    func finish(op: UInt64) {
        guard let o = ops[op] else { return }
        if let t = o.retryTimer { timers[t] = nil }
        if let t = o.heartbeatTimer { timers[t] = nil }
        if let c = o.command { dropPending(c) }
        ops[op] = nil
        if repoOwner[o.repo] == op { repoOwner[o.repo] = nil }
    }

    /// Fire-and-forget compare-and-delete of a lease (its reply is ignored: if it is lost,
    /// the lease expires by its ttl).
    func cleanup(repo: String, lease: String, _ out: inout [LockClientEffect]) {
        sendUntracked(.compareAndDelete(key: Self.lockKey(repo), value: lease), &out)
    }

    func sendUntracked(_ command: LockCommand, _ out: inout [LockClientEffect]) {
        let cmd = nextCommand
        nextCommand += 1
        out.append(.send(command: cmd, command))
    }
}
