import EventStore
import Relay
import SimKernel

/// A replica's background maintenance cycle: every `cycleInterval`, each identifier's
/// repositories in turn, under the identifier's lock, in three timed steps (move HEAD to a
/// work branch, rewrite, move HEAD back) — the multi-step write SPEC §8.6–8.7 are about.
extension RelayProcess {
    func startCycle(_ ctx: ProcessContext) {
        guard let rep = replication else { return }
        if rep.cycleRunning && !settings.faultNoCycleGuard {
            ctx.trace("replica.cycle-skipped", [("why", "previous cycle still running")])
            return
        }
        if rep.draining {
            ctx.trace("replica.cycle-skipped", [("why", "run settling")])
            return
        }
        ctx.observe(.replica(.cycleStarted))
        rep.startCycle(identifiers: core.maintenanceTargets.map(\.d))
        nextCycleRepo(ctx)
    }

    func nextCycleRepo(_ ctx: ProcessContext) {
        guard let rep = replication else { return }
        guard !rep.draining, let identifier = rep.popCycleIdentifier() else {
            if rep.finishCycle() { ctx.observe(.replica(.cycleEnded)) }
            return
        }
        let op = rep.newOp(.cycle(identifier: identifier))
        rep.setCycleOp(op)
        runLock(
            rep.client.handle(
                .acquire(op: op, repo: RepoKey.lockName(identifier: identifier), purpose: .background), now: ctx.now),
            ctx)
    }

    /// One step of the multi-step maintenance write, over each repository of the
    /// identifier. The abort signal is checked before each step.
    func cycleStepDue(generation: UInt64, _ ctx: ProcessContext) {
        guard let rep = replication, generation == rep.generation, let op = rep.currentCycleOp,
            case .cycle(let identifier)? = rep.op(op)
        else { return }
        if rep.client.isAborted(op: op) {
            ctx.trace("replica.cycle-aborted", [("identifier", identifier), ("step", String(rep.step))])
            release(op, ctx)
            nextCycleRepo(ctx)
            return
        }
        let step = rep.step
        for repo in storage.keys where repo.d == identifier {
            do {
                let defaultHead = try core.defaultBranch(repo) ?? storage.repository(repo)?.head ?? "refs/heads/main"
                switch step {
                case 0:
                    try storage.write(repo, writer: name, token: rep.token(op), "cycle-checkout") { r in
                        try r.setHead("refs/heads/graspsim-maintenance")
                    }
                case 1:
                    try storage.write(repo, writer: name, token: rep.token(op), "cycle-rewrite") { _ in }
                default:
                    try storage.write(repo, writer: name, token: rep.token(op), "cycle-restore-head") {
                        r in
                        try r.setHead(defaultHead)
                    }
                }
            } catch {
                // A stale fencing token (this holder no longer owns the lock), or the store
                // could not say which branch is the default: the cycle stops here.
                if case .some = error as? EventStoreError {
                    ctx.observe(.relay(.storeFailed(input: "maintenance of \(repo)", error: "\(error)")))
                }
                ctx.trace(
                    "replica.cycle-write-refused",
                    [("repo", repo.description), ("step", String(step)), ("error", "\(error)")])
                release(op, ctx)
                nextCycleRepo(ctx)
                return
            }
        }
        if step >= 2 {
            if settings.faultLeakCycleLock { rep.forget(op) } else { release(op, ctx) }
            nextCycleRepo(ctx)
        } else {
            rep.advanceStep()
            ctx.setTimer(after: settings.cycleStep, .cycleStep(generation: rep.generation))
        }
    }
}
