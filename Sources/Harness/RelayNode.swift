import Checks
import Relay
import RelayProcess
import SimKernel

/// One replica of the reference relay/git-host in the simulator: a thin mapping from
/// simulated messages, timers and lifecycle calls to `RelayProcess` inputs, and from its
/// effects back to messages, kernel timers and history. Everything the relay decides
/// lives in the process; this only carries.
final class RelayNode: SimNode, ProcessDriver {
    let process: RelayProcess
    unowned let world: World
    /// The lock service node (replicated deployments).
    let lockService: NodeID?
    /// Remote calls to domains no remote node serves, answered `.unreachable` once the
    /// current input's effects are out (a failed DNS lookup).
    private var unreachable: [RemoteCallID] = []
    /// The kernel context of the input being handled (valid only during `run`).
    private var kernel: NodeContext?

    var name: String { process.name }

    init(process: RelayProcess, world: World, lockService: NodeID?) {
        self.process = process
        self.world = world
        self.lockService = lockService
    }

    func start(_ ctx: NodeContext) { run(.start, ctx) }

    func receive(_ message: any SimMessage, from: NodeID, _ ctx: NodeContext) {
        // Lock replies first, told apart by their type alone: in a replicated run they are
        // most of what a replica receives, and two failed casts before theirs cost about a
        // percent of a lock run.
        if type(of: message) == LockResponse.self, let r = message as? LockResponse {
            return run(.lockReply(command: r.id, r.reply), ctx)
        }
        switch message {
        case let f as NostrFrame: run(.nostr(Int(from.raw), f.message, f.source), ctx)
        case let g as GitRequest: run(.git(RequestID(client: Int(from.raw), number: g.id), path: g.path, g.body), ctx)
        case let r as LockResponse: run(.lockReply(command: r.id, r.reply), ctx)
        case let r as RemoteResponse: run(.remoteReply(r.id, r.reply), ctx)
        case let k as ReconcileKick: run(.reconcile(k.repo, upstream: k.upstream), ctx)
        default: break
        }
    }

    func timerFired(_ tag: UInt64, _ ctx: NodeContext) {
        guard let timer = ProcessTimer(tag: tag) else { return }
        run(.timer(timer), ctx)
    }

    func crashed() {
        unreachable.removeAll()
        process.crashed { record($0) }
    }

    func shutdown(_ ctx: NodeContext) { run(.shutdown, ctx) }

    func restarted(_ ctx: NodeContext, graceful: Bool, downtime: SimDuration) {
        run(.restart(graceful: graceful, downtime: downtime), ctx)
    }

    /// The run is settling: no new maintenance cycle starts (the process answers with no
    /// effects, so no kernel context is needed).
    func drain() {
        let effects = process.handle(.drain, now: world.sim.localTime(of: world.relayNodes[name]!.first!))
        precondition(effects.isEmpty, "draining a process has no effects")
    }

    // MARK: effects

    private func run(_ input: ProcessInput, _ ctx: NodeContext) {
        kernel = ctx
        defer { kernel = nil }
        let context = ProcessContext(now: ctx.now, driver: self)
        process.handle(input, context)
        while !unreachable.isEmpty {
            let call = unreachable.removeFirst()
            process.handle(.remoteReply(call, .unreachable), context)
        }
    }

    func draw(_ range: ClosedRange<Int64>) -> Int64 { kernel!.withRandom { $0.int(in: range) } }

    func emit(_ effect: ProcessEffect) {
        let ctx = kernel!
        switch effect {
        case .send(let conn, let message):
            ctx.send(RelayFrame(message: message), to: NodeID(Int32(conn)))
        case .reply(let req, let reply):
            ctx.send(GitResponse(id: req.number, reply: reply), to: NodeID(Int32(req.client)))
        case .lock(let id, let command):
            // Lock traffic is housekeeping: it never keeps the world from being quiescent
            // (a push waiting for a lock is still pending on its client's side).
            if let lockService { ctx.sendBackground(LockRequest(id: id, command: command), to: lockService) }
        case .remote(let id, let call):
            if let remote = world.remoteNodes[call.domain] {
                ctx.sendBackground(RemoteRequest(id: id, call: call), to: remote)
            } else {
                unreachable.append(id)
            }
        case .setTimer(let after, let timer):
            ctx.setTimer(after: after, tag: timer.tag, periodic: true)
        case .trace(let kind, let fields):
            ctx.trace(kind, fields)
        case .observe(let observation):
            record(observation)
        case .relayStepEnded:
            world.afterRelayStep(self)
        }
    }

    /// An observation into history (which is in global time; observations carry no
    /// instants of the process's clock).
    private func record(_ observation: ProcessObservation) {
        switch observation {
        case .relay(let o): world.record(.relay(replica: name, o))
        case .replica(let e): world.record(.replica(replica: name, e))
        case .sync(let r): world.record(.sync(replica: name, r))
        }
    }
}
