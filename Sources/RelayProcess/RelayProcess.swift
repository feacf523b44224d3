import Coordination
import EventStore
import GitStore
import Nostr
import Relay
import SimKernel
import Sync

/// One relay/git-host process: the relay core plus what a server does around it — every
/// repository write under the repository's lease lock (replicas), the background
/// maintenance cycle, git-data sync and upstream reconciliation. Sans-IO: a driver feeds
/// it `ProcessInput`s and carries out the `ProcessEffect`s it emits; the simulator is one
/// driver, a real server another.
///
/// What survives the process (the event store, repository storage, a purgatory shared by
/// replicas, the purgatory file a graceful shutdown writes) is lent at `init`; everything
/// else is volatile and lost by `crashed`.
public final class RelayProcess {
    /// The instance name: the lock owner and the writer named in storage.
    public let name: String
    public let settings: ProcessSettings
    let config: RelayConfig
    let store: EventStore
    let storage: RepositoryStorage
    /// Replicas share one purgatory (like the event store); a lone relay owns its own.
    public let sharedPurgatory: PurgatoryBox?
    public private(set) var core: RelayCore
    /// The purgatory file: written by a graceful shutdown, read by a graceful restart. A
    /// driver with a real disk persists it and hands it back before `.restart`.
    public var savedPurgatory: PurgatorySnapshot?
    /// The lock layer, when this process is one of several replicas.
    var replication: Replication?
    /// Git-data sync and reconciliation (volatile: a crash or shutdown loses it).
    var sync: SyncState

    public init(
        name: String, config: RelayConfig, settings: ProcessSettings, store: EventStore,
        storage: RepositoryStorage, sharedPurgatory: PurgatoryBox? = nil, replicated: Bool = false
    ) {
        self.name = name
        self.config = config
        self.settings = settings
        self.store = store
        self.storage = storage
        self.sharedPurgatory = sharedPurgatory
        core = Self.makeCore(config, name, store, storage, sharedPurgatory)
        sync = SyncState(config: settings.sync, ownDomain: config.domain)
        if replicated { replication = Replication(instance: name, settings: settings) }
    }

    private static func makeCore(
        _ config: RelayConfig, _ name: String, _ store: EventStore,
        _ storage: RepositoryStorage, _ shared: PurgatoryBox?
    ) -> RelayCore {
        var config = config
        config.deferRepositoryWrites = shared != nil
        return RelayCore(
            config: config, replica: name, store: store, storage: storage,
            purgatory: shared ?? PurgatoryBox())
    }

    // MARK: entry points

    /// Handles one input; effects go to `ctx` as they are made.
    public func handle(_ input: ProcessInput, _ ctx: ProcessContext) {
        switch input {
        case .start: start(ctx)
        case .nostrText(let conn, let text, let origin): coreStep(.nostrText(conn, text, origin), origin: origin, ctx)
        case .nostr(let conn, let message, let origin): coreStep(.nostr(conn, message, origin), origin: origin, ctx)
        case .disconnect(let conn): coreStep(.disconnect(conn), ctx)
        case .nip11(let req): coreStep(.nip11(req), ctx)
        case .git(let req, let path, let body): gitRequest(req, path, body, ctx)
        case .lockReply(let command, let reply):
            guard let rep = replication else { return }
            runLock(rep.client.handle(.reply(command: command, reply), now: ctx.now), ctx)
        case .remoteReply(.fetch(let request), let reply): syncAnswer(request, reply, ctx)
        case .remoteReply(.reconcile(let run), let reply): reconcileAnswer(run, reply, ctx)
        case .timer(let timer): timerFired(timer, ctx)
        case .reconcile(let repo, let upstream): startReconcile(repo, upstream: upstream, ctx)
        case .gitDataArrived(let repo): coreStep(.gitDataArrived(repo), ctx)
        case .drain: replication?.draining = true
        case .shutdown: shutdown(ctx)
        case .restart(let graceful, let downtime): restart(graceful: graceful, downtime: downtime, ctx)
        }
    }

    /// Handles one input and returns its effects (tests; drivers that batch). Random draws
    /// take `draw`, the lowest value by default.
    public func handle(
        _ input: ProcessInput, now: LocalTime,
        draw: @escaping (ClosedRange<Int64>) -> Int64 = { $0.lowerBound }
    ) -> [ProcessEffect] {
        let collector = EffectCollector(draw: draw)
        withExtendedLifetime(collector) { handle(input, ProcessContext(now: now, driver: collector)) }
        return collector.effects
    }

    /// The process died: report what died with it (waiting events of a purgatory it owned
    /// alone, its cycle, its locks, its sync state), then drop every volatile thing. The
    /// store, repositories and a shared purgatory are durable.
    public func crashed(report: (ProcessObservation) -> Void) {
        if sharedPurgatory == nil {
            // Every entry goes, soft-expired announcements too: the memory that would let a
            // later state revive them dies with the process (swarm seed 78 of
            // 06-expiry-and-revival: the model expected a revival after a crash).
            let softExpired = core.purgatory.announcements.values.filter(\.softExpired).map(\.event.id)
            for id in (core.purgatory.waitingIDs + softExpired).sorted() {
                report(.relay(.left(eventID: id, kind: 0, why: "crash-lost")))
            }
        }
        if replication?.cycleRunning == true { report(.replica(.cycleEnded)) }
        if replication != nil { report(.replica(.crashed)) }
        replication?.reset()
        core = Self.makeCore(config, name, store, storage, sharedPurgatory)
        sync = SyncState(config: settings.sync, ownDomain: config.domain)
        report(.sync(.reset))
    }

    /// True while a repository operation is under way: a maintenance cycle between asking
    /// for a repository's lock and its last write, any lock held by a live operation, or a
    /// reconciliation. A client never observes such a moment's repository (advertisements
    /// wait for the lock or pin HEAD), so a driver that judges repositories waits for it
    /// to pass (after `.drain`).
    public var midOperation: Bool {
        if !sync.reconciles.isEmpty || !sync.reconciling.isEmpty { return true }
        guard let rep = replication else { return false }
        return rep.currentCycleOp != nil || rep.client.holdsAny
    }

    /// The leases this process believes it holds (`lock:<repo>` values).
    public var leasesHeld: [String] {
        guard let rep = replication else { return [] }
        return rep.client.holding.compactMap { rep.client.lease(of: $0.op) }
    }

    // MARK: lifecycle

    private func start(_ ctx: ProcessContext) {
        ctx.setTimer(after: config.sweepInterval, .sweep)
        if replication != nil {
            // Replicas start at different moments: the first cycle comes at a random phase.
            let phase = ctx.draw(0...settings.cycleInterval)
            ctx.setTimer(after: settings.cycleInterval + phase, .cycle)
        }
    }

    private func shutdown(_ ctx: ProcessContext) {
        if replication?.cycleRunning == true { ctx.observe(.replica(.cycleEnded)) }
        replication?.reset()
        let snapshot = core.shutdown(now: ctx.now)
        if sharedPurgatory == nil { savedPurgatory = snapshot }
        sync = SyncState(config: settings.sync, ownDomain: config.domain)
        ctx.observe(.sync(.reset))
    }

    private func restart(graceful: Bool, downtime: SimDuration, _ ctx: ProcessContext) {
        core = Self.makeCore(config, name, store, storage, sharedPurgatory)
        replication?.reset()
        if graceful, sharedPurgatory == nil, let saved = savedPurgatory {
            core.restore(saved, now: ctx.now, downtime: downtime)
            ctx.trace(
                "relay.purgatory-restored",
                [
                    ("entries", String(core.purgatory.waitingIDs.count)),
                    ("downtime", Time.format(downtime)),
                ])
        }
        savedPurgatory = nil
        start(ctx)
        syncRestart(ctx)
    }

    private func timerFired(_ timer: ProcessTimer, _ ctx: ProcessContext) {
        switch timer {
        case .sweep:
            coreStep(.sweep, ctx)
            ctx.setTimer(after: config.sweepInterval, .sweep)
        case .syncTick, .fetchTimeout, .reconcileTimeout:
            syncTimer(timer, ctx)
        case .cycle, .lock, .cycleStep, .lockRetry:
            replicaTimer(timer, ctx)
        }
    }

    // MARK: git requests

    private func gitRequest(_ req: RequestID, _ path: String, _ body: GitRequestBody, _ ctx: ProcessContext) {
        let key = parseRepoPath(path)
        if body.writesRefs, let key, sync.reconciling.contains(key) {
            // The repository is held by a reconciliation: busy, retry later.
            ctx.emit(
                .reply(
                    req,
                    .httpError(
                        status: 503, headers: [("Retry-After", "1")] + RelayCore.corsHeaders,
                        message: "repository busy (reconciling with upstream), retry later")))
            return
        }
        // Replicas take pushes and advertisements under the repository's lock (an unknown
        // path goes straight to the core, which answers 404).
        if replication != nil, let key, lockedRequest(req, path, key, body, ctx) { return }
        switch body {
        case .advertise: coreStep(.gitAdvertise(req, path: path), ctx)
        case .push(let updates, let pack): coreStep(.gitPush(req, path: path, updates: updates, pack: pack), ctx)
        case .fetch(let wants, let haves): coreStep(.gitFetch(req, path: path, wants: wants, haves: haves), ctx)
        case .proposePush(let updates): coreStep(.gitPushProposed(req, path: path, updates: updates), ctx)
        case .pushApplied(let updates): coreStep(.gitPushApplied(req, path: path, updates: updates), ctx)
        }
    }

    // MARK: the core

    /// Runs the core on one input and delivers its outputs. For an advertisement,
    /// `pinHead` replaces HEAD with the default branch and `advertised` names the repo for
    /// the checks. Then the sync layer hears which events started or stopped waiting.
    func coreStep(
        _ input: RelayInput, writeToken: UInt64? = nil, origin: EventOrigin = .user,
        advertised: RepoKey? = nil, pinHead: String? = nil, _ ctx: ProcessContext
    ) {
        let outputs = core.handle(input, now: ctx.now, writeToken: writeToken)
        for o in outputs {
            switch o {
            case .send(let conn, let msg): ctx.emit(.send(conn, msg))
            case .reply(let req, var reply):
                if case .advertisement(var adv) = reply {
                    if let pin = pinHead, adv.refs.contains(where: { $0.name == pin }) {
                        adv.head = pin
                        adv.capabilities = adv.capabilities.filter { !$0.hasPrefix("symref=") } + ["symref=HEAD:\(pin)"]
                        reply = .advertisement(adv)
                    }
                    if let repo = advertised { ctx.observe(.replica(.advertised(repo: repo, head: adv.head))) }
                }
                ctx.emit(.reply(req, reply))
            case .trace(let kind, let fields): ctx.trace("relay." + kind, fields)
            case .observe(let obs): ctx.observe(.relay(obs))
            }
        }
        ctx.emit(.relayStepEnded)
        syncAfterStep(outputs, origin: origin, ctx)
    }
}

/// A driver that keeps every effect (tests, batching drivers).
final class EffectCollector: ProcessDriver {
    var effects: [ProcessEffect] = []
    let drawing: (ClosedRange<Int64>) -> Int64
    init(draw: @escaping (ClosedRange<Int64>) -> Int64) { drawing = draw }
    func emit(_ effect: ProcessEffect) { effects.append(effect) }
    func draw(_ range: ClosedRange<Int64>) -> Int64 { drawing(range) }
}

extension GitRequestBody {
    /// A request that would change refs (refused while a reconciliation holds the repository).
    var writesRefs: Bool {
        switch self {
        case .push, .proposePush: return true
        case .advertise, .fetch, .pushApplied: return false
        }
    }
}
