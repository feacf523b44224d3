import SimKernel
import Nostr
import GitStore
import Relay
import Coordination
import Checks

/// Replica → lock service: one command.
struct LockRequest: SimMessage {
    var id: UInt64
    var command: LockCommand
    var traceLabel: String { "lock " + command.traceLabel }
}

/// Lock service → replica.
struct LockResponse: SimMessage {
    var id: UInt64
    var reply: LockReply
    var traceLabel: String { "lock reply " + reply.traceLabel }
}

/// The Redis-like lock service as a simulated node (its links take the usual faults).
final class LockServiceNode: SimNode {
    let model: LockServiceModel
    /// Every command with its sender and the key's value just before it (for checks).
    private(set) var log: [LockCommandRecord] = []
    unowned let world: World
    init(model: LockServiceModel, world: World) { self.model = model; self.world = world }
    func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) {
        guard let r = message as? LockRequest else { return }
        let before = model.value(of: r.command.key, now: ctx.now)
        log.append(LockCommandRecord(time: ctx.now, sender: world.sim.name(of: from), command: r.command, valueBefore: before))
        ctx.sendBackground(LockResponse(id: r.id, reply: model.execute(r.command, now: ctx.now)), to: from)
    }
}

/// What a replica does on top of the relay core: every repository write under the
/// repository's lease lock, a background maintenance cycle, and the 503 / pinned-HEAD
/// fallbacks when the lock cannot be had.
final class Replication {
    enum Op {
        case push(req: RequestID, from: NodeID, path: String, updates: [RefUpdate], pack: Pack, repo: RepoKey)
        case advertise(req: RequestID, from: NodeID, path: String, repo: RepoKey)
        /// Maintenance of every repository of one identifier (they share a lock).
        case cycle(identifier: String)
        /// Store objects a sync fetch brought, then release what they complete.
        case syncApply(repo: RepoKey, pack: Pack)
        /// Hold the repository for a reconciliation (released when it ends).
        case reconcile(run: UInt64, repo: RepoKey)
    }

    let client: LockClient
    let service: NodeID
    let settings: DeploymentSettings
    private var ops: [UInt64: Op] = [:]
    private var nextOp: UInt64 = 1
    /// Cycle in progress: identifiers left, the op holding the current one's lock, its step.
    private var cycleQueue: [String] = []
    private var cycleOp: UInt64? = nil
    private var cycleStep = 0
    private(set) var cycleRunning = false
    private var cycleGeneration: UInt64 = 0
    /// The run is settling before its end-of-run checks: no new cycle starts and a running
    /// one stops after the repository it is working on.
    var draining = false

    /// When each push/advertisement op first asked for its lock, and its next backoff.
    var firstAsked: [UInt64: SimTime] = [:]
    var backoff: [UInt64: SimDuration] = [:]

    init(instance: String, service: NodeID, settings: DeploymentSettings) {
        client = LockClient(instanceID: instance, options: settings.lock)
        self.service = service
        self.settings = settings
    }

    /// The process died: its lock client forgets everything; the cycle stops.
    func reset() {
        client.reset()
        ops.removeAll(); cycleQueue.removeAll(); cycleOp = nil; cycleRunning = false
        cycleGeneration &+= 1
    }
}

extension RelayNode {
    // MARK: entry points (replicated mode)

    func replicaStart(_ ctx: NodeContext) {
        guard let rep = replication else { return }
        // Replicas start at different moments: the first cycle comes at a random phase.
        let phase = ctx.withRandom { $0.int(in: 0...rep.settings.cycleInterval) }
        ctx.setTimer(after: rep.settings.cycleInterval + phase, .cycle)
    }

    /// Returns true when the message was handled by the replica layer.
    func replicaReceive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) -> Bool {
        guard let rep = replication else { return false }
        if let r = message as? LockResponse {
            runLock(rep.client.handle(.reply(command: r.id, r.reply), now: ctx.now), ctx)
            return true
        }
        guard let g = message as? GitRequest else { return false }
        let req = RequestID(client: Int(from.raw), number: g.id)
        guard let key = parseRepoPath(g.path) else { return false }   // the core answers 404
        switch g.body {
        case .push(let updates, let pack):
            let op = rep.newOp(.push(req: req, from: from, path: g.path, updates: updates, pack: pack, repo: key))
            runLock(rep.client.handle(.acquire(op: op, repo: key.lockName, purpose: .push), now: ctx.now), ctx)
        case .advertise:
            if rep.settings.faultUnserializedAdvertisement {
                // §8.7: straight from the repository, whatever a cycle did to HEAD.
                process(core.handle(.gitAdvertise(req, path: g.path), now: ctx.now), ctx, advertised: key, pinHead: nil)
                return true
            }
            let op = rep.newOp(.advertise(req: req, from: from, path: g.path, repo: key))
            runLock(rep.client.handle(.acquire(op: op, repo: key.lockName, purpose: .advertisement), now: ctx.now), ctx)
        case .fetch:
            return false
        }
        return true
    }

    func replicaTimer(_ timer: RelayTimer, _ ctx: NodeContext) {
        guard let rep = replication else { return }
        switch timer {
        case .cycle:
            ctx.setTimer(after: rep.settings.cycleInterval, .cycle)
            startCycle(ctx)
        case .lock(let id):
            runLock(rep.client.handle(.timer(id), now: ctx.now), ctx)
        case .lockRetry(let op):
            if let what = rep.op(op) {
                let (repo, purpose): (RepoKey?, LockPurpose) = {
                    switch what {
                    case .push(_, _, _, _, _, let r): return (r, .push)
                    case .advertise(_, _, _, let r): return (r, .advertisement)
                    case .syncApply(let r, _): return (r, .push)
                    case .reconcile(_, let r): return (r, .background)
                    case .cycle: return (nil, .background)
                    }
                }()
                guard let repo else { return }   // cycles never retry
                runLock(rep.client.handle(.acquire(op: op, repo: repo.lockName, purpose: purpose), now: ctx.now), ctx)
            }
        case .cycleStep(let generation):
            cycleStepDue(generation: generation, ctx)
        default: break
        }
    }

    // MARK: lock effects

    private func runLock(_ effects: [LockClientEffect], _ ctx: NodeContext) {
        guard let rep = replication else { return }
        for e in effects {
            switch e {
            // Lock traffic is housekeeping: it never keeps the world from being quiescent
            // (a push waiting for a lock is still pending on its client's side).
            case .send(let id, let command): ctx.sendBackground(LockRequest(id: id, command: command), to: rep.service)
            case .setTimer(let id, let after): ctx.setTimer(after: after, .lock(id))
            case .granted(let op, let repo, let token):
                world.record(.replica(replica: name, .lockGranted(repo: repo, token: token)))
                granted(op, token, ctx)
            case .denied(let op, let repo, let why):
                // The in-process guard answers at once; push and advertisement paths retry
                // it like any acquisition, within the same budget.
                if why == .inProgress, retryInProgress(op, ctx) { continue }
                world.record(.replica(replica: name, .lockDenied(repo: repo, reason: why.rawValue)))
                denied(op, why, ctx)
            case .aborted(let op, let repo, let reason):
                world.record(.replica(replica: name, .lockAborted(repo: repo, reason: reason)))
                ctx.trace("replica.abort", [("op", String(op)), ("repo", repo), ("why", reason)])
            case .released(_, let repo):
                world.record(.replica(replica: name, .lockReleased(repo: repo)))
            case .trace(let kind, let fields): ctx.trace("lock." + kind, fields)
            }
        }
    }

    /// Schedules another acquisition for a push/advertisement op refused by the in-process
    /// guard; false when its budget is spent (or it is a background op, which never retries).
    private func retryInProgress(_ op: UInt64, _ ctx: NodeContext) -> Bool {
        guard let rep = replication, let what = rep.op(op) else { return false }
        switch what {
        case .cycle, .reconcile: return false
        default: break
        }
        if rep.settings.lock.faultNoPushRetry { return false }
        let first = rep.firstAsked[op] ?? ctx.now
        rep.firstAsked[op] = first
        let delay = rep.backoff[op] ?? rep.settings.lock.retryInitial
        guard ctx.now + delay - first <= rep.settings.lock.retryBudget else { return false }
        rep.backoff[op] = min(delay * 2, rep.settings.lock.retryMax)
        ctx.setTimer(after: delay, .lockRetry(op: op))
        return true
    }

    private func release(_ op: UInt64, _ ctx: NodeContext) {
        guard let rep = replication else { return }
        rep.forget(op)
        runLock(rep.client.handle(.release(op: op), now: ctx.now), ctx)
    }

    private func granted(_ op: UInt64, _ token: UInt64?, _ ctx: NodeContext) {
        guard let rep = replication, let what = rep.op(op) else { return }
        switch what {
        case .push(let req, _, let path, let updates, let pack, _):
            process(core.handle(.gitPush(req, path: path, updates: updates, pack: pack), now: ctx.now, writeToken: token), ctx)
            release(op, ctx)
        case .advertise(let req, _, let path, let repo):
            process(core.handle(.gitAdvertise(req, path: path), now: ctx.now), ctx, advertised: repo, pinHead: core.defaultBranch(repo))
            release(op, ctx)
        case .cycle(let identifier):
            for repo in core.maintenanceTargets where repo.d == identifier {
                process(core.handle(.maintain(repo), now: ctx.now, writeToken: token), ctx)
            }
            rep.beginSteps()
            cycleStepDue(generation: rep.generation, ctx)
        case .syncApply(let repo, let pack):
            do {
                try storage.write(repo, writer: name, token: token, now: ctx.now, "sync-fetch") { r in _ = try r.receive(pack) }
                process(core.handle(.gitDataArrived(repo), now: ctx.now, writeToken: token), ctx)
            } catch {
                ctx.trace("sync.store-failed", [("repo", repo.description), ("error", "\(error)")])
            }
            release(op, ctx)
        case .reconcile(let run, _):
            sync.reconciles[run]?.token = token
            sendMirrorFetch(run, ctx)
        }
    }

    /// Objects from a sync fetch, stored under the repository's lock.
    func requestSyncApply(_ repo: RepoKey, _ pack: Pack, _ ctx: NodeContext) {
        guard let rep = replication else { return }
        // A data write like a push: it retries for the lock within the push budget.
        let op = rep.newOp(.syncApply(repo: repo, pack: pack))
        runLock(rep.client.handle(.acquire(op: op, repo: repo.lockName, purpose: .push), now: ctx.now), ctx)
    }

    func lockForReconcile(_ run: UInt64, _ repo: RepoKey, _ ctx: NodeContext) {
        guard let rep = replication else { return }
        let op = rep.newOp(.reconcile(run: run, repo: repo))
        sync.reconciles[run]?.lockOp = op
        runLock(rep.client.handle(.acquire(op: op, repo: repo.lockName, purpose: .background), now: ctx.now), ctx)
    }

    func releaseReconcileLock(_ op: UInt64, _ ctx: NodeContext) { release(op, ctx) }

    private func denied(_ op: UInt64, _ why: LockDenial, _ ctx: NodeContext) {
        guard let rep = replication, let what = rep.op(op) else { return }
        rep.forget(op)
        switch what {
        case .push(let req, let from, _, let updates, _, let repo):
            let before = refMap(repo)
            if rep.settings.faultLate503, let first = updates.first(where: { !$0.name.hasPrefix("refs/nostr/") }) {
                // §8.9: the first ref update lands, then the 503.
                try? storage.write(repo, writer: name, token: nil, now: ctx.now, "late-503-update") { r in
                    if first.isDelete { try r.deleteRef(first.name) } else { try r.setRef(first.name, first.new) }
                }
            }
            world.record(.replica(replica: name, .pushRefused(repo: repo, status: 503, before: before, after: refMap(repo))))
            let reply = GitReply.httpError(status: 503, headers: [("Retry-After", "1")] + RelayCore.corsHeaders,
                                           message: "repository busy (\(why.rawValue)), retry later")
            ctx.send(GitResponse(id: req.number, reply: reply), to: from)
        case .advertise(let req, _, let path, let repo):
            // Fallback after the budget: serve without the lock, HEAD pinned to the default.
            process(core.handle(.gitAdvertise(req, path: path), now: ctx.now), ctx, advertised: repo, pinHead: core.defaultBranch(repo))
        case .cycle:
            nextCycleRepo(ctx)
        case .syncApply(let repo, _):
            // The data is dropped; the hunt's next attempt fetches it again.
            ctx.trace("sync.apply-denied", [("repo", repo.description), ("why", why.rawValue)])
        case .reconcile(let run, let repo):
            ctx.trace("reconcile.lock-denied", [("repo", repo.description), ("why", why.rawValue)])
            sync.reconciles[run]?.lockOp = nil
            abandonReconcile(run, ctx)
        }
    }

    private func refMap(_ key: RepoKey) -> [String: ObjectID] {
        var m: [String: ObjectID] = [:]
        for (n, id) in storage.repository(key)?.refs ?? [] { m[n] = id }
        return m
    }

    // MARK: background cycle

    private func startCycle(_ ctx: NodeContext) {
        guard let rep = replication else { return }
        if rep.cycleRunning && !rep.settings.faultNoCycleGuard {
            ctx.trace("replica.cycle-skipped", [("why", "previous cycle still running")])
            return
        }
        if rep.draining {
            ctx.trace("replica.cycle-skipped", [("why", "run settling")])
            return
        }
        world.record(.replica(replica: name, .cycleStarted))
        rep.startCycle(identifiers: core.maintenanceTargets.map(\.d))
        nextCycleRepo(ctx)
    }

    private func nextCycleRepo(_ ctx: NodeContext) {
        guard let rep = replication else { return }
        guard !rep.draining, let identifier = rep.popCycleIdentifier() else {
            if rep.finishCycle() { world.record(.replica(replica: name, .cycleEnded)) }
            return
        }
        let op = rep.newOp(.cycle(identifier: identifier))
        rep.setCycleOp(op)
        runLock(rep.client.handle(.acquire(op: op, repo: RepoKey.lockName(identifier: identifier), purpose: .background), now: ctx.now), ctx)
    }

    /// One step of the multi-step maintenance write, over each repository of the
    /// identifier: move HEAD to a work branch, rewrite, move HEAD back. The abort signal is
    /// checked before each step.
    private func cycleStepDue(generation: UInt64, _ ctx: NodeContext) {
        guard let rep = replication, generation == rep.generation, let op = rep.currentCycleOp,
              case .cycle(let identifier)? = rep.op(op) else { return }
        if rep.client.isAborted(op: op) {
            ctx.trace("replica.cycle-aborted", [("identifier", identifier), ("step", String(rep.step))])
            release(op, ctx)
            nextCycleRepo(ctx)
            return
        }
        let step = rep.step
        for repo in storage.keys where repo.d == identifier {
            let defaultHead = core.defaultBranch(repo) ?? storage.repository(repo)?.head ?? "refs/heads/main"
            do {
                switch step {
                case 0:
                    try storage.write(repo, writer: name, token: rep.token(op), now: ctx.now, "cycle-checkout") { r in
                        try r.setHead("refs/heads/graspsim-maintenance")
                    }
                case 1:
                    try storage.write(repo, writer: name, token: rep.token(op), now: ctx.now, "cycle-rewrite") { _ in }
                default:
                    try storage.write(repo, writer: name, token: rep.token(op), now: ctx.now, "cycle-restore-head") { r in
                        try r.setHead(defaultHead)
                    }
                }
            } catch {
                // A stale fencing token: this holder no longer owns the lock.
                ctx.trace("replica.cycle-write-refused", [("repo", repo.description), ("step", String(step)), ("error", "\(error)")])
                release(op, ctx)
                nextCycleRepo(ctx)
                return
            }
        }
        if step >= 2 {
            if rep.settings.faultLeakCycleLock { rep.forget(op) } else { release(op, ctx) }
            nextCycleRepo(ctx)
        } else {
            rep.advanceStep()
            ctx.setTimer(after: rep.settings.cycleStep, .cycleStep(generation: rep.generation))
        }
    }
}

extension RelayNode {
    /// True while a repository operation is under way on this replica: a maintenance
    /// cycle between asking for a repository's lock and its last write, any lock held by
    /// a live operation, or a reconciliation. A client never observes such a moment's
    /// repository (advertisements wait for the lock or pin HEAD), so end-of-run checks
    /// wait until no replica is in one (`World.settle`).
    var midOperation: Bool {
        if !sync.reconciles.isEmpty || !sync.reconciling.isEmpty { return true }
        guard let rep = replication else { return false }
        return rep.currentCycleOp != nil || !rep.client.holding.isEmpty
    }

    /// Stops background cycles from starting (the run is settling).
    func drain() { replication?.draining = true }
}

extension Replication {
    func newOp(_ op: Op) -> UInt64 { let id = nextOp; nextOp += 1; ops[id] = op; return id }
    func op(_ id: UInt64) -> Op? { ops[id] }
    func forget(_ id: UInt64) { ops[id] = nil; firstAsked[id] = nil; backoff[id] = nil }

    func startCycle(identifiers: [String]) {
        cycleRunning = true
        var seen = Set<String>()
        cycleQueue = identifiers.filter { seen.insert($0).inserted }.reversed()
    }
    func popCycleIdentifier() -> String? { cycleQueue.popLast() }
    /// Returns true when a running cycle ended now.
    func finishCycle() -> Bool {
        defer { cycleRunning = false; cycleOp = nil }
        return cycleRunning
    }
    func setCycleOp(_ op: UInt64) { cycleOp = op; cycleStep = 0 }
    var currentCycleOp: UInt64? { cycleOp }
    var step: Int { cycleStep }
    var generation: UInt64 { cycleGeneration }
    func beginSteps() { cycleStep = 0 }
    func advanceStep() { cycleStep += 1 }
    func token(_ op: UInt64) -> UInt64? { client.holding.first { $0.op == op }?.token }
}
