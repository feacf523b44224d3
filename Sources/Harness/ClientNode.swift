import Checks
import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel

/// An actor's client: a Nostr client plus a git client with every scenario commit locally.
final class ClientNode: SimNode {
    let actor: String
    unowned let world: World
    let keys: KeyPair
    var relay: NodeID
    /// Every replica of the relay; with several, each request goes to a random one
    /// (a load balancer in front of the replicas).
    var replicas: [NodeID] = []
    private var nextRequest = 1
    private var nextTimer: UInt64 = 1
    private var timerActions: [UInt64: (NodeContext) -> Void] = [:]
    private var pendingOK: [String: (step: StepRun, event: NostrEvent)] = [:]
    private var pendingGit: [Int: (step: StepRun, phase: GitPhase)] = [:]
    static let requestTimeout = Time.s(30)
    static let okTimeout = Time.s(10)

    enum GitPhase {
        case advertiseForPush(path: String, repo: RepoKey, refs: [(String, ObjectID)])
        case push(repo: RepoKey)
        case advertiseForClone(path: String)
        case fetch(head: String?, refs: [(name: String, id: ObjectID)])
    }

    /// A step in progress on this client (first attempt time, attempt count).
    final class StepRun {
        let id: String
        let retry: (every: SimDuration, until: SimTime)?
        var attempt = 0
        var done = false
        let action: (ClientNode, StepRun, NodeContext) -> Void
        init(id: String, retry: (SimDuration, SimTime)?, action: @escaping (ClientNode, StepRun, NodeContext) -> Void) {
            self.id = id
            self.retry = retry
            self.action = action
        }
    }

    init(actor: String, keys: KeyPair, relay: NodeID, world: World) {
        self.actor = actor
        self.keys = keys
        self.relay = relay
        self.world = world
    }

    func crashed() {
        pendingOK.removeAll()
        pendingGit.removeAll()
        timerActions.removeAll()
    }

    private func pickRelay(_ ctx: NodeContext) -> NodeID {
        guard replicas.count > 1 else { return relay }
        return replicas[Int(ctx.withRandom { $0.below(UInt64(replicas.count)) })]
    }

    private func after(_ d: SimDuration, _ ctx: NodeContext, _ body: @escaping (NodeContext) -> Void) {
        let tag = nextTimer
        nextTimer += 1
        timerActions[tag] = body
        ctx.setTimer(after: d, tag: tag)
    }

    func timerFired(_ tag: UInt64, _ ctx: NodeContext) {
        timerActions.removeValue(forKey: tag)?(ctx)
    }

    /// Starts a step (first attempt).
    func begin(_ run: StepRun, _ ctx: NodeContext) {
        if run.attempt == 0 { world.metrics.stepStarted(run.id, at: world.sim.now) }
        run.attempt += 1
        run.action(self, run, ctx)
    }

    /// An attempt failed: retry if the step allows it, else record the final outcome.
    private func attemptFailed(_ run: StepRun, _ message: String, _ ctx: NodeContext) {
        guard !run.done else { return }
        if let r = run.retry, ctx.globalNow + r.every <= r.until {
            ctx.trace("client.retry", [("step", run.id), ("attempt", String(run.attempt)), ("why", message)])
            after(r.every, ctx) { [unowned self] ctx in
                guard !run.done else { return }
                run.attempt += 1
                run.action(self, run, ctx)
            }
            return
        }
        run.done = true
        world.record(.stepOutcome(step: run.id, accepted: false, message: message))
        ctx.trace("client.step-failed", [("step", run.id), ("why", message)])
    }

    private func succeeded(_ run: StepRun, _ message: String, _ ctx: NodeContext) {
        guard !run.done else { return }
        run.done = true
        world.record(.stepOutcome(step: run.id, accepted: true, message: message))
        ctx.trace("client.step-ok", [("step", run.id)])
    }

    // MARK: Nostr

    /// Sends a step's event; `source: .sync` delivers it the way another relay's sync would.
    func publish(_ event: NostrEvent, _ run: StepRun, source: EventOrigin = .user, _ ctx: NodeContext) {
        world.record(.published(step: run.id, actor: actor, event: event, attempt: run.attempt))
        pendingOK[event.id] = (run, event)
        ctx.send(NostrFrame(message: .event(event), source: source), to: pickRelay(ctx))
        let attempt = run.attempt
        after(Self.okTimeout, ctx) { [unowned self] ctx in
            guard let p = self.pendingOK[event.id], p.step.attempt == attempt else { return }
            self.pendingOK[event.id] = nil
            self.attemptFailed(run, "timeout: no OK", ctx)
        }
    }

    // MARK: git

    func gitRequest(_ path: String, _ body: GitRequestBody, _ run: StepRun, _ phase: GitPhase, _ ctx: NodeContext) {
        let id = nextRequest
        nextRequest += 1
        pendingGit[id] = (run, phase)
        ctx.send(GitRequest(id: id, path: path, body: body), to: pickRelay(ctx))
        after(Self.requestTimeout, ctx) { [unowned self] ctx in
            guard self.pendingGit.removeValue(forKey: id) != nil else { return }
            self.attemptFailed(run, "timeout: no answer from git host", ctx)
        }
    }

    /// Push: fetch the advertisement first (for the old values), then send the update.
    func push(path: String, repo: RepoKey, refs: [(String, ObjectID)], _ run: StepRun, _ ctx: NodeContext) {
        gitRequest(path, .advertise, run, .advertiseForPush(path: path, repo: repo, refs: refs), ctx)
    }

    func clone(path: String, _ run: StepRun, _ ctx: NodeContext) {
        gitRequest(path, .advertise, run, .advertiseForClone(path: path), ctx)
    }

    func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) {
        if let k = message as? StepKick {
            begin(k.run, ctx)
            return
        }
        if let f = message as? RelayFrame {
            world.record(.clientReceived(actor: actor, f.message))
            if case .ok(let id, let accepted, let msg) = f.message, let p = pendingOK.removeValue(forKey: id) {
                world.record(.okReceived(step: p.step.id, actor: actor, eventID: id, accepted: accepted, message: msg))
                if accepted { succeeded(p.step, msg, ctx) } else { attemptFailed(p.step, msg, ctx) }
            }
            return
        }
        guard let r = message as? GitResponse, let (run, phase) = pendingGit.removeValue(forKey: r.id) else { return }
        switch (phase, r.reply) {
        case (.advertiseForPush(let path, let repo, let refs), .advertisement(let adv)):
            let advertised = Dictionary(uniqueKeysWithValues: adv.refs.map { ($0.name, $0.id) })
            let updates = refs.map { RefUpdate(name: $0.0, old: advertised[$0.0] ?? .zero, new: $0.1) }
            let haves = adv.refs.map(\.id).filter { world.objects.contains($0) }
            let tips = updates.filter { !$0.isDelete }.map(\.new)
            let pack = (try? world.objects.pack(tips: tips, haves: haves)) ?? Pack(objects: [], byteCount: 0)
            gitRequest(path, .push(updates: updates, pack: pack), run, .push(repo: repo), ctx)
        case (.push(let repo), .pushResult(let results)):
            world.record(.pushAnswered(step: run.id, actor: actor, repo: repo, results: results, httpError: nil))
            if results.allSatisfy(\.ok) {
                succeeded(run, "ok", ctx)
            } else {
                attemptFailed(run, results.first { !$0.ok }?.error ?? "rejected", ctx)
            }
        case (.advertiseForClone(let path), .advertisement(let adv)):
            let wants = adv.refs.map(\.id)
            if wants.isEmpty {
                world.record(.cloned(step: run.id, actor: actor, head: adv.head, refs: [], complete: true))
                succeeded(run, "empty", ctx)
            } else {
                gitRequest(path, .fetch(wants: wants, haves: []), run, .fetch(head: adv.head, refs: adv.refs), ctx)
            }
        case (.fetch(let head, let refs), .pack(let pack)):
            var complete = false
            if let repo = try? GitRepository.inMemory(), (try? repo.receive(pack)) != nil {
                complete = repo.isComplete(refs.map(\.id))
            }
            world.record(.cloned(step: run.id, actor: actor, head: head, refs: refs, complete: complete))
            if complete { succeeded(run, "ok", ctx) } else { attemptFailed(run, "clone incomplete", ctx) }
        case (_, .httpError(let status, _, let msg)):
            if case .push(let repo) = phase {
                world.record(
                    .pushAnswered(step: run.id, actor: actor, repo: repo, results: [], httpError: "\(status) \(msg)"))
            } else if case .advertiseForPush(_, let repo, _) = phase {
                world.record(
                    .pushAdvertisementFailed(step: run.id, actor: actor, repo: repo, httpError: "\(status) \(msg)"))
            }
            attemptFailed(run, "HTTP \(status): \(msg)", ctx)
        default:
            attemptFailed(run, "unexpected answer: \(r.traceLabel)", ctx)
        }
    }
}
