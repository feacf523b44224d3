import GitStore
import Relay
import SimKernel
import Sync

/// One reconciliation in progress.
final class ReconcileRun {
    let repo: RepoKey
    let upstream: Upstream
    /// The lock operation holding the repository (replica mode).
    var lockOp: UInt64?
    var token: UInt64?
    /// The upstream answered the fetch.
    var answered = false
    /// Phase 2: waiting for the push of these refs.
    var pending: (result: ReconcileResult, localBefore: ObjectID?, remoteBefore: ObjectID?, scratch: GitRepository)?
    init(repo: RepoKey, upstream: Upstream) {
        self.repo = repo
        self.upstream = upstream
    }
}

/// Upstream reconciliation (SPEC §7): fetch the upstream, reconcile on a scratch copy,
/// push what changed — holding the repository (its lease lock with replicas, an
/// in-process guard on a single relay: pushes to it are answered 503 meanwhile).
extension RelayProcess {
    /// A `reconcile` step: fetch the upstream, reconcile, push — holding the repository
    /// (its lease lock with replicas, an in-process guard on a single relay).
    func startReconcile(_ key: RepoKey, upstream: Upstream, _ ctx: ProcessContext) {
        let s = sync
        if s.reconciling.contains(key) {
            ctx.trace("reconcile.skipped", [("repo", key.description), ("why", "already running")])
            return
        }
        s.reconciling.insert(key)
        let id = s.nextReconcile
        s.nextReconcile += 1
        let run = ReconcileRun(repo: key, upstream: upstream)
        s.reconciles[id] = run
        if replication != nil {
            lockForReconcile(id, key, ctx)
        } else {
            sendMirrorFetch(id, ctx)
        }
    }

    func sendMirrorFetch(_ id: UInt64, _ ctx: ProcessContext) {
        guard let run = sync.reconciles[id] else { return }
        ctx.setTimer(after: settings.remoteTimeout, .reconcileTimeout(run: id))
        ctx.emit(.remote(.reconcile(id), .mirror(domain: run.upstream.domain, identifier: run.repo.d)))
    }

    func reconcileTimedOut(_ id: UInt64, _ ctx: ProcessContext) {
        guard let run = sync.reconciles[id] else { return }
        if run.pending != nil {
            finishReconcile(id, pushed: false, ctx)
        } else {
            reconcileWith(id, remote: nil, ctx)
        }
    }

    /// The answer of the upstream (or nil when unreachable): run the reconciler on a
    /// scratch copy of the local repository and a copy of what the remote sent.
    func reconcileAnswer(_ id: UInt64, _ reply: RemoteReply, _ ctx: ProcessContext) {
        guard let run = sync.reconciles[id] else { return }
        if run.pending != nil {
            if case .pushed = reply {
                finishReconcile(id, pushed: true, ctx)
            } else {
                finishReconcile(id, pushed: false, ctx)
            }
            return
        }
        switch reply {
        case .mirror(let refs, let pack): reconcileWith(id, remote: (refs, pack), ctx)
        case .notFound: reconcileWith(id, remote: ([], Pack(objects: [])), ctx)
        default: reconcileWith(id, remote: nil, ctx)
        }
    }

    private func reconcileWith(
        _ id: UInt64, remote answer: (refs: [(name: String, id: ObjectID)], pack: Pack)?, _ ctx: ProcessContext
    ) {
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
            let result = try Reconciler.reconcile(
                local: scratch, remote: remoteView, branch: run.upstream.branch,
                remoteName: "origin", unixNow: core.config.epochUnix + ctx.now.sinceZero / Time.second,
                options: settings.reconcile)
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
            ctx.setTimer(after: settings.remoteTimeout, .reconcileTimeout(run: id))
            ctx.emit(
                .remote(
                    .reconcile(id),
                    .push(
                        domain: run.upstream.domain, identifier: run.repo.d,
                        refs: changed, pack: Pack(objects: objects))))
        } catch {
            ctx.trace("reconcile.error", [("repo", run.repo.description), ("error", "\(error)")])
            endReconcile(id, ctx)
        }
    }

    private func applyLocal(
        _ run: ReconcileRun, _ scratch: GitRepository, _ branchRef: String, to head: ObjectID?, _ ctx: ProcessContext
    ) throws {
        guard let head, storage.repository(run.repo)?.ref(branchRef) != head else { return }
        let pack = try scratch.pack(tips: [head], haves: [])
        try storage.write(run.repo, writer: name, token: run.token, "reconcile") { r in
            _ = try r.receive(pack)
            try r.setRef(branchRef, head)
        }
        if let r = storage.repository(run.repo) {
            ctx.observe(.relay(.refsChanged(repo: run.repo, refs: r.refs, head: r.head, why: "reconcile")))
        }
        // New objects: the same "git data became available" routine as pushes and fetches
        // (a state waiting for these commits is released now).
        coreStep(.gitDataArrived(run.repo), writeToken: run.token, ctx)
    }

    /// The push (if any) answered or timed out: finish local work and report.
    private func finishReconcile(_ id: UInt64, pushed: Bool, _ ctx: ProcessContext) {
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
        let record = ReconcileRecord(
            repo: run.repo, branch: run.upstream.branch, domain: run.upstream.domain,
            outcome: result.outcome, localBefore: p.localBefore,
            remoteAnswered: run.answered, remoteBefore: p.remoteBefore,
            localAfter: localAfter, conflictBranch: result.conflictBranch,
            pushFailed: result.pushFailed)
        ctx.observe(.sync(.reconciled(record)))
        ctx.trace(
            "reconcile.done",
            [
                ("repo", run.repo.description), ("outcome", result.outcome.rawValue),
                ("push_failed", "\(result.pushFailed)"),
            ])
        endReconcile(id, ctx)
    }

    /// The reconciliation ends (done, or it could not get its lock): the repository is free.
    func endReconcile(_ id: UInt64, _ ctx: ProcessContext) {
        guard let run = sync.reconciles.removeValue(forKey: id) else { return }
        sync.reconciling.remove(run.repo)
        if let op = run.lockOp { release(op, ctx) }
    }
}
