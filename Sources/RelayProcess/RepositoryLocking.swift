import Coordination
import GitStore
import Nostr
import Relay
import SimKernel

/// What a replica keeps on top of the relay core: every repository write under the
/// repository's lease lock, and the 503 / pinned-HEAD fallbacks when the lock cannot be
/// had. Each locked piece of work is an op; the lock client answers per op.
final class Replication {
    enum Op {
        case push(req: RequestID, path: String, updates: [RefUpdate], pack: Pack, repo: RepoKey)
        case advertise(req: RequestID, path: String, repo: RepoKey)
        /// Maintenance of every repository of one identifier (they share a lock).
        case cycle(identifier: String)
        /// Store objects a sync fetch brought, then release what they complete.
        case syncApply(repo: RepoKey, pack: Pack)
        /// Hold the repository for a reconciliation (released when it ends).
        case reconcile(run: UInt64, repo: RepoKey)
    }

    let client: LockClient
    let settings: ProcessSettings
    private var ops: [UInt64: Op] = [:]
    private var nextOp: UInt64 = 1
    /// Cycle in progress: identifiers left, the op holding the current one's lock, its step.
    private var cycleQueue: [String] = []
    private(set) var currentCycleOp: UInt64? = nil
    private(set) var step = 0
    private(set) var cycleRunning = false
    private(set) var generation: UInt64 = 0
    /// The process is winding down: no new cycle starts and a running one stops after the
    /// identifier it is working on.
    var draining = false

    /// When each push/advertisement op first asked for its lock, and its next backoff.
    var firstAsked: [UInt64: LocalTime] = [:]
    var backoff: [UInt64: SimDuration] = [:]

    init(instance: String, settings: ProcessSettings) {
        client = LockClient(instanceID: instance, options: settings.lock)
        self.settings = settings
    }

    /// The process died: its lock client forgets everything; the cycle stops.
    func reset() {
        client.reset()
        ops.removeAll()
        cycleQueue.removeAll()
        currentCycleOp = nil
        cycleRunning = false
        generation &+= 1
    }

    func newOp(_ op: Op) -> UInt64 {
        let id = nextOp
        nextOp += 1
        ops[id] = op
        return id
    }
    func op(_ id: UInt64) -> Op? { ops[id] }
    func forget(_ id: UInt64) {
        ops[id] = nil
        firstAsked[id] = nil
        backoff[id] = nil
    }
    func token(_ op: UInt64) -> UInt64? { client.token(of: op) }

    func startCycle(identifiers: [String]) {
        // Cycles never overlap on one replica, unless the broken variant lets them.
        precondition(!cycleRunning || settings.faultNoCycleGuard, "a maintenance cycle started while one runs")
        precondition(!draining, "a maintenance cycle started while the process drains")
        cycleRunning = true
        cycleQueue = Self.distinct(identifiers).reversed()
    }

    /// The identifiers without repeats, in first-seen order: a linear scan for the few a
    /// replica usually holds (a set built per cycle was a percent of a lock run).
    static func distinct(_ identifiers: [String]) -> [String] {
        if identifiers.count > 16 {
            var seen = Set<String>()
            return identifiers.filter { seen.insert($0).inserted }
        }
        var out: [String] = []
        out.reserveCapacity(identifiers.count)
        for id in identifiers where !out.contains(id) { out.append(id) }
        return out
    }
    func popCycleIdentifier() -> String? { cycleQueue.popLast() }
    /// Returns true when a running cycle ended now.
    func finishCycle() -> Bool {
        defer {
            cycleRunning = false
            currentCycleOp = nil
        }
        return cycleRunning
    }
    func setCycleOp(_ op: UInt64) {
        precondition(cycleRunning || settings.faultNoCycleGuard, "a cycle op without a running cycle")
        currentCycleOp = op
        step = 0
    }
    func beginSteps() { step = 0 }
    func advanceStep() { step += 1 }
}

extension RelayProcess {
    /// A push or advertisement on a replica: ask for the repository's lock first. Returns
    /// false for requests that need no lock (fetches).
    func lockedRequest(_ req: RequestID, _ path: String, _ key: RepoKey, _ body: GitRequestBody, _ ctx: ProcessContext)
        -> Bool
    {
        guard let rep = replication else { return false }
        switch body {
        case .push(let updates, let pack):
            let op = rep.newOp(.push(req: req, path: path, updates: updates, pack: pack, repo: key))
            runLock(rep.client.handle(.acquire(op: op, repo: key.lockName, purpose: .push), now: ctx.now), ctx)
        case .advertise:
            if settings.faultUnserializedAdvertisement {
                // §8.7: straight from the repository, whatever a cycle did to HEAD.
                coreStep(.gitAdvertise(req, path: path), advertised: key, pinHead: nil, ctx)
                return true
            }
            let op = rep.newOp(.advertise(req: req, path: path, repo: key))
            runLock(rep.client.handle(.acquire(op: op, repo: key.lockName, purpose: .advertisement), now: ctx.now), ctx)
        case .fetch, .proposePush, .pushApplied:
            // Fetches need no lock; pushes the git programs apply are serialized by the
            // server that runs them (a lone process: no replicas share its repositories).
            return false
        }
        return true
    }

    func replicaTimer(_ timer: ProcessTimer, _ ctx: ProcessContext) {
        guard let rep = replication else { return }
        switch timer {
        case .cycle:
            ctx.setTimer(after: settings.cycleInterval, .cycle)
            startCycle(ctx)
        case .lock(let id):
            runLock(rep.client.handle(.timer(id), now: ctx.now), ctx)
        case .lockRetry(let op):
            guard let what = rep.op(op) else { return }
            let (repo, purpose): (RepoKey?, LockPurpose) = {
                switch what {
                case .push(_, _, _, _, let r): return (r, .push)
                case .advertise(_, _, let r): return (r, .advertisement)
                case .syncApply(let r, _): return (r, .push)
                case .reconcile(_, let r): return (r, .background)
                case .cycle: return (nil, .background)
                }
            }()
            guard let repo else { return }  // cycles never retry
            runLock(rep.client.handle(.acquire(op: op, repo: repo.lockName, purpose: purpose), now: ctx.now), ctx)
        case .cycleStep(let generation):
            cycleStepDue(generation: generation, ctx)
        default: break
        }
    }

    // MARK: lock effects

    func runLock(_ effects: [LockClientEffect], _ ctx: ProcessContext) {
        for e in effects {
            switch e {
            case .send(let id, let command): ctx.emit(.lock(command: id, command))
            case .setTimer(let id, let after): ctx.setTimer(after: after, .lock(id))
            case .granted(let op, let repo, let token):
                ctx.observe(.replica(.lockGranted(repo: repo, token: token)))
                granted(op, token, ctx)
            case .denied(let op, let repo, let why):
                // The in-process guard answers at once; push and advertisement paths retry
                // it like any acquisition, within the same budget.
                if why == .inProgress, retryInProgress(op, ctx) { continue }
                ctx.observe(.replica(.lockDenied(repo: repo, reason: why.rawValue)))
                denied(op, why, ctx)
            case .aborted(let op, let repo, let reason):
                ctx.observe(.replica(.lockAborted(repo: repo, reason: reason)))
                ctx.trace("replica.abort", [("op", String(op)), ("repo", repo), ("why", reason)])
            case .released(_, let repo):
                ctx.observe(.replica(.lockReleased(repo: repo)))
            case .trace(let kind, let fields): ctx.trace("lock." + kind, fields)
            }
        }
    }

    /// Schedules another acquisition for a push/advertisement op refused by the in-process
    /// guard; false when its budget is spent (or it is a background op, which never retries).
    private func retryInProgress(_ op: UInt64, _ ctx: ProcessContext) -> Bool {
        guard let rep = replication, let what = rep.op(op) else { return false }
        switch what {
        case .cycle, .reconcile: return false
        default: break
        }
        if settings.lock.faultNoPushRetry { return false }
        let first = rep.firstAsked[op] ?? ctx.now
        rep.firstAsked[op] = first
        let delay = rep.backoff[op] ?? settings.lock.retryInitial
        guard ctx.now + delay - first <= settings.lock.retryBudget else { return false }
        rep.backoff[op] = min(delay * 2, settings.lock.retryMax)
        ctx.setTimer(after: delay, .lockRetry(op: op))
        return true
    }

    func release(_ op: UInt64, _ ctx: ProcessContext) {
        guard let rep = replication else { return }
        rep.forget(op)
        runLock(rep.client.handle(.release(op: op), now: ctx.now), ctx)
    }

    private func granted(_ op: UInt64, _ token: UInt64?, _ ctx: ProcessContext) {
        guard let rep = replication, let what = rep.op(op) else { return }
        switch what {
        case .push(let req, let path, let updates, let pack, _):
            coreStep(.gitPush(req, path: path, updates: updates, pack: pack), writeToken: token, ctx)
            release(op, ctx)
        case .advertise(let req, let path, let repo):
            pinnedAdvertisement(req, path, repo, ctx)
            release(op, ctx)
        case .cycle(let identifier):
            for repo in core.maintenanceTargets where repo.d == identifier {
                coreStep(.maintain(repo), writeToken: token, ctx)
            }
            rep.beginSteps()
            cycleStepDue(generation: rep.generation, ctx)
        case .syncApply(let repo, let pack):
            do {
                try storage.write(repo, writer: name, token: token, "sync-fetch") { r in
                    _ = try r.receive(pack)
                }
                coreStep(.gitDataArrived(repo), writeToken: token, ctx)
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
    func requestSyncApply(_ repo: RepoKey, _ pack: Pack, _ ctx: ProcessContext) {
        guard let rep = replication else { return }
        // A data write like a push: it retries for the lock within the push budget.
        let op = rep.newOp(.syncApply(repo: repo, pack: pack))
        runLock(rep.client.handle(.acquire(op: op, repo: repo.lockName, purpose: .push), now: ctx.now), ctx)
    }

    func lockForReconcile(_ run: UInt64, _ repo: RepoKey, _ ctx: ProcessContext) {
        guard let rep = replication else { return }
        let op = rep.newOp(.reconcile(run: run, repo: repo))
        sync.reconciles[run]?.lockOp = op
        runLock(rep.client.handle(.acquire(op: op, repo: repo.lockName, purpose: .background), now: ctx.now), ctx)
    }

    private func denied(_ op: UInt64, _ why: LockDenial, _ ctx: ProcessContext) {
        guard let rep = replication, let what = rep.op(op) else { return }
        rep.forget(op)
        switch what {
        case .push(let req, _, let updates, _, let repo):
            let before = refMap(repo)
            if settings.faultLate503, let first = updates.first(where: { !$0.name.hasPrefix("refs/nostr/") }) {
                // §8.9: the first ref update lands, then the 503 (a broken variant: whether
                // the write happened is read back from the refs below).
                try? storage.write(repo, writer: name, token: nil, "late-503-update") { r in
                    if first.isDelete { try r.deleteRef(first.name) } else { try r.setRef(first.name, first.new) }
                }
            }
            ctx.observe(.replica(.pushRefused(repo: repo, status: 503, before: before, after: refMap(repo))))
            ctx.emit(
                .reply(
                    req,
                    .httpError(
                        status: 503, headers: [("Retry-After", "1")] + RelayCore.corsHeaders,
                        message: "repository busy (\(why.rawValue)), retry later")))
        case .advertise(let req, let path, let repo):
            // Fallback after the budget: serve without the lock, HEAD pinned to the default.
            pinnedAdvertisement(req, path, repo, ctx)
        case .cycle:
            nextCycleRepo(ctx)
        case .syncApply(let repo, _):
            // The data is dropped; the hunt's next attempt fetches it again.
            ctx.trace("sync.apply-denied", [("repo", repo.description), ("why", why.rawValue)])
        case .reconcile(let run, let repo):
            ctx.trace("reconcile.lock-denied", [("repo", repo.description), ("why", why.rawValue)])
            sync.reconciles[run]?.lockOp = nil
            endReconcile(run, ctx)
        }
    }

    /// An advertisement with HEAD pinned to the default branch the served state names
    /// (what a maintenance cycle's temporary HEAD must never replace).
    private func pinnedAdvertisement(_ req: RequestID, _ path: String, _ repo: RepoKey, _ ctx: ProcessContext) {
        let pin: String?
        do { pin = try core.defaultBranch(repo) } catch {
            ctx.observe(.relay(.storeFailed(input: "advertisement", error: "\(error)")))
            ctx.emit(.reply(req, .httpError(status: 500, headers: RelayCore.corsHeaders, message: "error: \(error)")))
            return
        }
        coreStep(.gitAdvertise(req, path: path), advertised: repo, pinHead: pin, ctx)
    }

    private func refMap(_ key: RepoKey) -> [String: ObjectID] {
        var m: [String: ObjectID] = [:]
        for (n, id) in storage.repository(key)?.refs ?? [] { m[n] = id }
        return m
    }
}
