import EventStore
import GitStore
import Nostr
import Relay
import SimKernel
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

    init(config: SyncConfig, ownDomain: String) {
        queue = SyncQueue(config: config, ownDomain: ownDomain)
    }
}

/// Git-data sync (SPEC §5): the hunt queue is told which identifiers wait for data, and its
/// fetches go out as remote calls; fetched objects are stored (under the lock on replicas)
/// and "git data became available" runs.
extension RelayProcess {
    /// Feeds one input to the queue and carries out its effects.
    func runSync(_ input: SyncInput, _ ctx: ProcessContext) {
        let s = sync
        let effects = s.queue.handle(input, now: ctx.now, sources: { [unowned self] in self.syncSources($0, ctx) })
        for e in effects {
            switch e {
            case .fetch(let request, let identifier, let source):
                ctx.observe(.sync(.fetchStarted(request: request, identifier: identifier, domain: source.domain)))
                s.fetches[request] = (identifier, source.domain)
                ctx.emit(.remote(.fetch(request), .fetch(domain: source.domain, url: source.url)))
                ctx.setTimer(after: settings.remoteTimeout, .fetchTimeout(request: request))
            case .setTimer(let after, let timer):
                ctx.setTimer(after: after, .syncTick(timer: timer))
            case .trace(let kind, let fields):
                ctx.trace(kind, fields)
            case .report(let r):
                record(r, ctx)
            }
        }
    }

    /// The queue's facts as observations (its due times as lengths from now).
    private func record(_ report: SyncReport, _ ctx: ProcessContext) {
        let record: SyncRecord
        switch report {
        case .attemptStarted(let id, let attempt, let domains):
            record = .attemptStarted(identifier: id, attempt: attempt, domains: domains)
        case .attemptEnded(let id, let next): record = .attemptEnded(identifier: id, nextIn: next - ctx.now)
        case .huntEnded(let id, let why): record = .huntEnded(identifier: id, why: why)
        case .ignoredExpired(let id): record = .ignoredExpired(identifier: id)
        case .domainBlocked(let domain, let until): record = .domainBlocked(domain: domain, blockedFor: until - ctx.now)
        }
        ctx.observe(.sync(record))
    }

    /// The clone URLs of the identifier's announcements — served and in purgatory — and of
    /// waiting pull requests' `clone` tags. A store that cannot be read is reported, and the
    /// attempt goes on with the purgatory's sources.
    func syncSources(_ d: String, _ ctx: ProcessContext) -> [CloneSource] {
        var out: [CloneSource] = []
        var served: [NostrEvent] = []
        do { served = try store.query([Filter(kinds: [Kinds.repoAnnouncement], tags: ["d": [d]])]) } catch {
            ctx.observe(.relay(.storeFailed(input: "sync sources of \(d)", error: "\(error)")))
        }
        served = served.filter { $0.dTag == d }.sorted { $0.pubkey < $1.pubkey }
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
            return e.tagValues("a").lazy.compactMap(repoIdentifier(inCoordinate:)).first
        default: return nil
        }
    }

    /// After the core ran: tell the queue about events that started waiting and
    /// identifiers that stopped waiting.
    func syncAfterStep(_ outputs: [RelayOutput], origin: EventOrigin, _ ctx: ProcessContext) {
        let s = sync
        var someLeft = false
        for o in outputs {
            guard case .observe(let obs) = o else { continue }
            switch obs {
            case .held(let e, _):
                guard let d = Self.huntIdentifier(e) else { continue }
                s.heldIdentifier[e.id] = d
                ctx.observe(.sync(.waiting(identifier: d, origin: origin)))
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
    func endSatisfiedHunts(_ ctx: ProcessContext) {
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
    func fetchEnded(_ request: UInt64, _ outcome: FetchOutcome, objects: Int, _ ctx: ProcessContext) {
        guard let f = sync.fetches.removeValue(forKey: request) else { return }
        ctx.observe(
            .sync(
                .fetchEnded(
                    request: request, identifier: f.identifier, domain: f.domain,
                    outcome: outcome, objects: objects)))
        runSync(.fetchFinished(request: request, outcome: outcome), ctx)
    }

    /// A remote answered a sync fetch: store the objects in every repository of the
    /// identifier and run "git data became available" on each.
    func syncAnswer(_ request: UInt64, _ reply: RemoteReply, _ ctx: ProcessContext) {
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
                    try storage.write(key, writer: name, token: nil, "sync-fetch") { r in
                        _ = try r.receive(Pack(objects: missing))
                    }
                    added += missing.count
                } catch {
                    ctx.trace("sync.store-failed", [("repo", key.description), ("error", "\(error)")])
                    continue
                }
                coreStep(.gitDataArrived(key), ctx)
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
    func syncTimer(_ timer: ProcessTimer, _ ctx: ProcessContext) {
        switch timer {
        case .syncTick(let timer):
            endSatisfiedHunts(ctx)
            runSync(.timerFired(timer: timer), ctx)
        case .reconcileTimeout(let run): reconcileTimedOut(run, ctx)
        case .fetchTimeout(let request): fetchEnded(request, .failed, objects: 0, ctx)
        default: break
        }
    }

    /// A restarted process hunts again for everything still waiting.
    func syncRestart(_ ctx: ProcessContext) {
        let p = core.purgatory
        var origins: [String: EventOrigin] = [:]
        for (d, entries) in p.states where !entries.isEmpty {
            origins[d] = entries.contains { $0.source == .user } ? .user : .sync
        }
        for pr in p.prs.values { if pr.event != nil { origins[pr.repo.d] = .user } }
        for d in origins.keys.sorted() {
            ctx.observe(.sync(.waiting(identifier: d, origin: origins[d]!)))
            runSync(.eventWaiting(identifier: d, origin: origins[d]!), ctx)
        }
    }
}
