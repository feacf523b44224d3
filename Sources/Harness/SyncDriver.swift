import SimKernel
import Nostr
import GitStore
import EventStore
import Relay
import Scenario
import Checks
import Sync

/// A relay process's volatile sync state: the hunt queue, fetches in flight and
/// reconciliations in progress. Lost on a crash or shutdown.
final class SyncState {
    let queue: SyncQueue
    /// Sync fetches sent and not yet answered.
    var fetches: [UInt64: (identifier: String, domain: String)] = [:]
    /// Why the last event of an identifier left, and the identifier of each held event.
    var lastLeft: [String: String] = [:]
    var heldIdentifier: [String: String] = [:]
    var reconciles: [UInt64: ReconcileRun] = [:]
    /// Repositories with a reconciliation running (single relay: pushes to them get 503).
    var reconciling: Set<RepoKey> = []
    var nextReconcile: UInt64 = 1

    /// Remote request ids of reconciliations are numbered from here (fetches below it).
    static let reconcileRequestBase: UInt64 = 16 << 40

    init(config: SyncConfig, ownDomain: String) {
        queue = SyncQueue(config: config, ownDomain: ownDomain)
    }
}

/// One reconciliation in progress.
final class ReconcileRun {
    let repo: RepoKey
    let upstream: UpstreamSpec
    let step: String
    /// The lock operation holding the repository (replica mode).
    var lockOp: UInt64?
    var token: UInt64?
    /// The upstream answered the fetch.
    var answered = false
    /// Phase 2: waiting for the push of these refs.
    var pending: (result: ReconcileResult, localBefore: ObjectID?, remoteBefore: ObjectID?, scratch: GitRepository)?
    init(repo: RepoKey, upstream: UpstreamSpec, step: String) {
        self.repo = repo; self.upstream = upstream; self.step = step
    }
}

extension RelayNode {
    // MARK: hunt queue driver (SPEC §5)

    var syncConfig: SyncConfig { world.deployment.sync }

    /// Feeds one input to the queue and carries out its effects.
    func runSync(_ input: SyncInput, _ ctx: NodeContext) {
        let s = sync
        let effects = s.queue.handle(input, now: ctx.now, sources: { [unowned self] in self.syncSources($0) })
        var failedAtOnce: [UInt64] = []
        for e in effects {
            switch e {
            case let .fetch(request, identifier, source):
                world.record(.sync(replica: name, .fetchStarted(request: request, identifier: identifier, domain: source.domain)))
                guard let remote = world.remoteNodes[source.domain] else {
                    // No such host: the request fails at once (DNS).
                    s.fetches[request] = (identifier, source.domain)
                    failedAtOnce.append(request)
                    continue
                }
                s.fetches[request] = (identifier, source.domain)
                ctx.sendBackground(RemoteRequest(id: request, body: .fetch(identifier: Harness.identifier(ofCloneURL: source.url))), to: remote)
                ctx.setTimer(after: world.deployment.remoteTimeout, .fetchTimeout(request: request))
            case .setTimer(let after):
                ctx.setTimer(after: after, .syncTick)
            case let .trace(kind, fields):
                ctx.trace(kind, fields)
            case .report(let r):
                record(r, ctx)
            }
        }
        for r in failedAtOnce { fetchEnded(r, .failed, objects: 0, ctx) }
    }

    /// The queue's facts into history for the checks (queue time is this replica's clock;
    /// history is in global time).
    private func record(_ report: SyncReport, _ ctx: NodeContext) {
        let global = { (t: SimTime) in self.world.sim.now + (t - ctx.now) }
        let record: SyncRecord
        switch report {
        case let .attemptStarted(id, attempt, domains): record = .attemptStarted(identifier: id, attempt: attempt, domains: domains)
        case let .attemptEnded(id, next): record = .attemptEnded(identifier: id, next: global(next))
        case let .huntEnded(id, why): record = .huntEnded(identifier: id, why: why)
        case let .ignoredExpired(id): record = .ignoredExpired(identifier: id)
        case let .domainBlocked(domain, until): record = .domainBlocked(domain: domain, until: global(until))
        }
        world.record(.sync(replica: name, record))
    }

    /// The clone URLs of the identifier's announcements — served and in purgatory — and of
    /// waiting pull requests' `clone` tags.
    func syncSources(_ d: String) -> [CloneSource] {
        var out: [CloneSource] = []
        let served = ((try? store.query([Filter(kinds: [Kinds.repoAnnouncement], tags: ["d": [d]])])) ?? [])
            .filter { $0.dTag == d }.sorted { $0.pubkey < $1.pubkey }
        for e in served { for url in e.allTagValues("clone") { out.append(CloneSource(url: url)) } }
        let p = core.purgatory
        for key in p.announcements.keys.sorted() where key.d == d {
            guard let entry = p.announcements[key], !entry.softExpired else { continue }
            for url in entry.event.allTagValues("clone") { out.append(CloneSource(url: url, fromPurgatory: true)) }
        }
        for id in p.prs.keys.sorted() {
            guard let pr = p.prs[id], pr.repo.d == d, let e = pr.event else { continue }
            for url in e.allTagValues("clone") { out.append(CloneSource(url: url)) }
        }
        return out
    }

    /// True while some state or pull request of identifier `d` waits for git data.
    func syncWaiting(_ d: String) -> Bool {
        let p = core.purgatory
        if p.states[d]?.isEmpty == false { return true }
        return p.prs.values.contains { $0.event != nil && $0.repo.d == d }
    }

    /// The hunt identifier of a held event: the repository identifier of a state or PR.
    static func huntIdentifier(_ e: NostrEvent) -> String? {
        switch e.kind {
        case Kinds.repoState: return e.dTag
        case Kinds.pullRequest, Kinds.pullRequestUpdate:
            for a in e.tagValues("a") {
                let parts = a.split(separator: ":", maxSplits: 2)
                if parts.count == 3, parts[0] == "\(Kinds.repoAnnouncement)" { return String(parts[2]) }
            }
            return nil
        default: return nil
        }
    }

    /// After the core ran: tell the queue about events that started waiting and
    /// identifiers that stopped waiting.
    func syncAfterStep(_ outputs: [RelayOutput], origin: EventOrigin, _ ctx: NodeContext) {
        let s = sync
        var someLeft = false
        for o in outputs {
            guard case .observe(let obs) = o else { continue }
            switch obs {
            case .held(let e, _):
                guard let d = Self.huntIdentifier(e) else { continue }
                s.heldIdentifier[e.id] = d
                world.record(.sync(replica: name, .waiting(identifier: d, origin: origin)))
                runSync(.eventWaiting(identifier: d, origin: origin), ctx)
            case .left(let id, _, let why):
                someLeft = true
                guard let d = s.heldIdentifier.removeValue(forKey: id) else { continue }
                // Purgatory gave up on the identifier: the queue remembers it even when its
                // hunt already ended (SPEC §8.13).
                if why == "expired", !syncWaiting(d), !s.queue.hunting.contains(d) {
                    runSync(.identifierExpired(identifier: d), ctx)
                } else if why == "expired" {
                    s.lastLeft[d] = why
                }
            default: break
            }
        }
        // Identifiers stop waiting only when events leave purgatory; a release another
        // replica made (shared purgatory) is noticed at this node's next wake-up.
        if someLeft { endSatisfiedHunts(ctx) }
    }

    /// Tells the queue about hunted identifiers with nothing waiting any more.
    func endSatisfiedHunts(_ ctx: NodeContext) {
        let s = sync
        for d in s.queue.hunting where !syncWaiting(d) {
            if s.lastLeft.removeValue(forKey: d) == "expired" {
                runSync(.identifierExpired(identifier: d), ctx)
            } else {
                runSync(.identifierSatisfied(identifier: d), ctx)
            }
        }
    }

    /// A fetch ended (answer, refusal or timeout).
    func fetchEnded(_ request: UInt64, _ outcome: FetchOutcome, objects: Int, _ ctx: NodeContext) {
        guard let f = sync.fetches.removeValue(forKey: request) else { return }
        world.record(.sync(replica: name, .fetchEnded(request: request, identifier: f.identifier, domain: f.domain,
                                                      outcome: outcome, objects: objects)))
        runSync(.fetchFinished(request: request, outcome: outcome), ctx)
    }

    /// A remote answered a sync fetch: store the objects in every repository of the
    /// identifier and run "git data became available" on each.
    func syncAnswer(_ request: UInt64, _ reply: RemoteResponse.Reply, _ ctx: NodeContext) {
        guard let f = sync.fetches[request] else { return }
        switch reply {
        case .objects(let pack):
            var added = 0
            for key in storage.keys where key.d == f.identifier {
                guard let repo = storage.repository(key) else { continue }
                let missing = pack.objects.filter { !repo.contains($0.id) }
                if missing.isEmpty { continue }
                if replication != nil {
                    // Writes need the repository lock: a locked operation applies them.
                    requestSyncApply(key, Pack(objects: missing), ctx)
                    added += missing.count
                    continue
                }
                do {
                    try storage.write(key, writer: name, token: nil, now: ctx.now, "sync-fetch") { r in _ = try r.receive(Pack(objects: missing)) }
                    added += missing.count
                } catch {
                    ctx.trace("sync.store-failed", [("repo", key.description), ("error", "\(error)")])
                    continue
                }
                process(core.handle(.gitDataArrived(key), now: ctx.now), ctx)
            }
            let outcome: FetchOutcome = !syncWaiting(f.identifier) ? .complete : (added > 0 ? .partial : .nothingNew)
            fetchEnded(request, outcome, objects: added, ctx)
        case .status(429):
            fetchEnded(request, .rateLimited, objects: 0, ctx)
        case .notFound:
            fetchEnded(request, .nothingNew, objects: 0, ctx)
        default:
            fetchEnded(request, .failed, objects: 0, ctx)
        }
    }

    /// Timers of the sync layer.
    func syncTimer(_ timer: RelayTimer, _ ctx: NodeContext) {
        switch timer {
        case .syncTick:
            endSatisfiedHunts(ctx)
            runSync(.tick, ctx)
        case .reconcileTimeout(let run): reconcileTimedOut(run, ctx)
        case .fetchTimeout(let request): fetchEnded(request, .failed, objects: 0, ctx)
        default: break
        }
    }

    /// A restarted process hunts again for everything still waiting.
    func syncRestart(_ ctx: NodeContext) {
        let p = core.purgatory
        var origins: [String: EventOrigin] = [:]
        for (d, entries) in p.states where !entries.isEmpty {
            origins[d] = entries.contains { $0.source == .user } ? .user : .sync
        }
        for pr in p.prs.values { if pr.event != nil { origins[pr.repo.d] = .user } }
        for d in origins.keys.sorted() {
            world.record(.sync(replica: name, .waiting(identifier: d, origin: origins[d]!)))
            runSync(.eventWaiting(identifier: d, origin: origins[d]!), ctx)
        }
    }

    // MARK: upstream reconciliation (SPEC §7)

    /// A `reconcile` step: fetch the upstream, reconcile, push — holding the repository
    /// (its lease lock with replicas, an in-process guard on a single relay).
    func startReconcile(_ key: RepoKey, upstream: UpstreamSpec, step: String, _ ctx: NodeContext) {
        let s = sync
        if s.reconciling.contains(key) {
            ctx.trace("reconcile.skipped", [("repo", key.description), ("why", "already running")])
            return
        }
        s.reconciling.insert(key)
        let id = s.nextReconcile; s.nextReconcile += 1
        let run = ReconcileRun(repo: key, upstream: upstream, step: step)
        s.reconciles[id] = run
        if replication != nil {
            lockForReconcile(id, key, ctx)
        } else {
            sendMirrorFetch(id, ctx)
        }
    }

    func sendMirrorFetch(_ id: UInt64, _ ctx: NodeContext) {
        guard let run = sync.reconciles[id] else { return }
        let rid = SyncState.reconcileRequestBase | id
        ctx.setTimer(after: world.deployment.remoteTimeout, .reconcileTimeout(run: id))
        guard let remote = world.remoteNodes[run.upstream.domain] else { return }  // times out
        ctx.sendBackground(RemoteRequest(id: rid, body: .mirror(identifier: run.repo.d)), to: remote)
    }

    private func reconcileTimedOut(_ id: UInt64, _ ctx: NodeContext) {
        guard let run = sync.reconciles[id] else { return }
        if run.pending != nil {
            finishReconcile(id, pushed: false, ctx)
        } else {
            reconcileWith(id, remote: nil, ctx)
        }
    }

    /// The answer of the upstream (or nil when unreachable): run the reconciler on a
    /// scratch copy of the local repository and a copy of what the remote sent.
    func reconcileAnswer(_ rid: UInt64, _ reply: RemoteResponse.Reply, _ ctx: NodeContext) {
        let id = rid & ((1 << 40) - 1)
        guard let run = sync.reconciles[id] else { return }
        if run.pending != nil {
            if case .pushed = reply { finishReconcile(id, pushed: true, ctx) } else { finishReconcile(id, pushed: false, ctx) }
            return
        }
        switch reply {
        case .mirror(let refs, let pack): reconcileWith(id, remote: (refs, pack), ctx)
        case .notFound: reconcileWith(id, remote: ([], Pack(objects: [])), ctx)
        default: reconcileWith(id, remote: nil, ctx)
        }
    }

    private func reconcileWith(_ id: UInt64, remote answer: (refs: [(name: String, id: ObjectID)], pack: Pack)?, _ ctx: NodeContext) {
        guard let run = sync.reconciles[id] else { return }
        let branchRef = "refs/heads/\(run.upstream.branch)"
        guard let local = storage.repository(run.repo) else {
            ctx.trace("reconcile.no-repository", [("repo", run.repo.description)])
            endReconcile(id, ctx)
            return
        }
        do {
            let scratch = try GitRepository.inMemory()
            _ = try scratch.receive(Pack(objects: try local.allObjectIDs().map { try local.read($0) }))
            for (n, oid) in local.refs { try scratch.setRef(n, oid) }
            var remoteView: GitRepository?
            var remoteBefore: ObjectID?
            if let answer {
                let r = try GitRepository.inMemory()
                _ = try r.receive(answer.pack)
                for (n, oid) in answer.refs where r.contains(oid) { try r.setRef(n, oid) }
                remoteView = r
                run.answered = true
                remoteBefore = answer.refs.first { $0.name == branchRef }?.id
            }
            let before = remoteView?.refs ?? []
            let localBefore = local.ref(branchRef)
            let result = try Reconciler.reconcile(local: scratch, remote: remoteView, branch: run.upstream.branch,
                                                  remoteName: "origin", unixNow: core.config.epochUnix + ctx.now / Time.second,
                                                  options: world.deployment.reconcile)
            run.pending = (result, localBefore, remoteBefore, scratch)
            // Local changes that never lose anything apply now; the conflict escape's reset
            // waits for the escape push to land.
            if result.outcome == .fastForwarded || result.outcome == .rebased {
                try applyLocal(run, scratch, branchRef, to: result.localHead, ctx)
            }
            var changed: [(name: String, id: ObjectID)] = []
            if let rv = remoteView {
                let old = Dictionary(before.map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
                changed = rv.refs.filter { old[$0.name] != $0.id && $0.name.hasPrefix("refs/heads/") }
            }
            if changed.isEmpty || answer == nil {
                finishReconcile(id, pushed: true, ctx)
                return
            }
            let objects = try remoteView!.allObjectIDs().map { try remoteView!.read($0) }
            let rid = SyncState.reconcileRequestBase | id
            ctx.setTimer(after: world.deployment.remoteTimeout, .reconcileTimeout(run: id))
            if let remote = world.remoteNodes[run.upstream.domain] {
                ctx.sendBackground(RemoteRequest(id: rid, body: .push(identifier: run.repo.d, refs: changed, pack: Pack(objects: objects))), to: remote)
            }
        } catch {
            ctx.trace("reconcile.error", [("repo", run.repo.description), ("error", "\(error)")])
            endReconcile(id, ctx)
        }
    }

    private func applyLocal(_ run: ReconcileRun, _ scratch: GitRepository, _ branchRef: String, to head: ObjectID?, _ ctx: NodeContext) throws {
        guard let head, storage.repository(run.repo)?.ref(branchRef) != head else { return }
        let pack = try scratch.pack(tips: [head], haves: [])
        try storage.write(run.repo, writer: name, token: run.token, now: ctx.now, "reconcile") { r in
            _ = try r.receive(pack)
            try r.setRef(branchRef, head)
        }
        if let r = storage.repository(run.repo) {
            world.record(.relay(replica: name, .refsChanged(repo: run.repo, refs: r.refs, head: r.head, why: "reconcile")))
        }
        // New objects: the same "git data became available" routine as pushes and fetches
        // (a state waiting for these commits is released now).
        process(core.handle(.gitDataArrived(run.repo), now: ctx.now, writeToken: run.token), ctx)
    }

    /// The push (if any) answered or timed out: finish local work and report.
    private func finishReconcile(_ id: UInt64, pushed: Bool, _ ctx: NodeContext) {
        guard let run = sync.reconciles[id], let p = run.pending else { return }
        let branchRef = "refs/heads/\(run.upstream.branch)"
        var result = p.result
        if !pushed { result.pushFailed = true }
        if result.outcome == .conflictEscaped, !result.pushFailed {
            do { try applyLocal(run, p.scratch, branchRef, to: result.localHead, ctx) } catch {
                ctx.trace("reconcile.write-failed", [("error", "\(error)")])
            }
        }
        let localAfter = storage.repository(run.repo)?.ref(branchRef)
        let record = ReconcileRecord(repo: run.repo, branch: run.upstream.branch, domain: run.upstream.domain,
                                     outcome: result.outcome, localBefore: p.localBefore,
                                     remoteAnswered: run.answered, remoteBefore: p.remoteBefore,
                                     localAfter: localAfter, conflictBranch: result.conflictBranch,
                                     pushFailed: result.pushFailed)
        world.record(.sync(replica: name, .reconciled(record)))
        ctx.trace("reconcile.done", [("repo", run.repo.description), ("outcome", result.outcome.rawValue),
                                     ("push_failed", "\(result.pushFailed)")])
        endReconcile(id, ctx)
    }

    /// The reconciliation could not get its lock: nothing happened.
    func abandonReconcile(_ id: UInt64, _ ctx: NodeContext) { endReconcile(id, ctx) }

    private func endReconcile(_ id: UInt64, _ ctx: NodeContext) {
        guard let run = sync.reconciles.removeValue(forKey: id) else { return }
        sync.reconciling.remove(run.repo)
        if let op = run.lockOp { releaseReconcileLock(op, ctx) }
    }
}
