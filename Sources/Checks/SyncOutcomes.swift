import GitStore
import Nostr
import Relay
import RelayProcess
import SimKernel
import Sync

/// What the hunts achieved: data found means released, and reconciliation outcomes.
extension SyncProgress {
    /// Every held state or PR whose objects are all on remotes listed for its identifier,
    /// healthy for the whole window and never blocked, is released within
    /// delay + a running attempt's fetch + the throttle wait + one fetch + a tick.
    func dataFoundMeansReleased(_ w: SyncWorldView, _ violations: Violations) {
        let cfg = w.syncConfig
        let log = entries
        var hunted: [String: Set<String>] = [:]  // replica → identifiers hunted
        var blocked: [String: [(domain: String, from: SimTime)]] = [:]
        var origins: [String: [(SimTime, EventOrigin)]] = [:]
        for e in log {
            switch e.record {
            case .waiting(let id, let origin):
                hunted[e.replica, default: []].insert(id)
                origins[id, default: []].append((e.time, origin))
            case .domainBlocked(let d, _): blocked[e.replica, default: []].append((d, e.time))
            default: break
            }
        }
        var seen = Set<String>()
        for h in held {
            guard seen.insert(h.event.id).inserted, !homeless.contains(h.event.id),
                let d = Self.identifier(h.event), let tips = Self.tips(h.event), !tips.isEmpty
            else { continue }
            // The queue was told at hold time, with this origin.
            guard let origin = origins[d]?.last(where: { $0.0 == h.time })?.1 else { continue }
            let delay = origin == .user ? cfg.userDelay : cfg.syncedDelay
            let q = max(1, hunted[h.replica]?.count ?? 1)
            let throttle =
                Int64((q + cfg.domainConcurrency - 1) / cfg.domainConcurrency) * w.remoteTimeout
                + Int64((q + cfg.domainRate - 1) / cfg.domainRate) * cfg.rateWindow
            let bound = h.time + delay + 2 * w.remoteTimeout + throttle + 2 * cfg.tick
            var domains = listedDomains(d, from: h.time, to: bound)
            if h.event.kind != Kinds.repoState {
                for url in h.event.allTagValues("clone") { domains.insert(CloneSource.domain(ofURL: url)) }
            }
            let healthy = domains.sorted().filter { dom in
                w.remoteHealthy(domain: dom, from: h.time, to: bound)
                    && !(blocked[h.replica] ?? []).contains { $0.domain == dom }
            }
            guard !healthy.isEmpty, let union = try? GitRepository.inMemory() else { continue }
            for dom in healthy {
                guard let r = w.remoteRepository(domain: dom, identifier: d), let ids = try? r.allObjectIDs() else {
                    continue
                }
                _ = try? union.receive(Pack(objects: ids.compactMap { try? r.read($0) }))
            }
            guard union.isComplete(tips) else { continue }
            // The exit of this wait (not of a later one: a replay can make it wait again).
            let out = left[h.event.id]?.first { $0.time >= h.time }
            let deadline =
                bound + w.unavailable(replica: h.replica, from: h.time, to: bound)
                // (its fetches wait on the rate window's starts before it was held too)
                + w.lateClockAllowance(h.replica, since: h.time - w.syncConfig.rateWindow, to: bound)
            if let out, out.time <= deadline { continue }
            if out == nil && w.now <= deadline { continue }
            let what = out.map { "it left by \($0.why) at \(Time.format($0.time))" } ?? "it is still waiting"
            violations.fail(
                .dataFoundMeansReleased, out?.time ?? w.now, h.replica,
                "event \(h.event.id.prefix(8)) of \(d), held at \(Time.format(h.time)), has all its objects on \(healthy.joined(separator: ", ")) but was not released by \(Time.format(deadline)); \(what)"
            )
        }
    }

    /// The outcome each reconciliation reported, against the local and remote branches
    /// it actually started from; and no local commit lost.
    func reconcileOutcome(_ w: SyncWorldView, _ violations: Violations) {
        for e in entries {
            guard case .reconciled(let r) = e.record else { continue }
            let objects = w.scenarioObjects
            let local = w.storage.repository(r.repo)
            func ancestor(_ a: ObjectID, _ b: ObjectID) -> Bool {
                for repo in [local, objects].compactMap({ $0 }) where repo.contains(a) && repo.contains(b) {
                    if let yes = try? repo.isAncestor(a, of: b) { return yes }
                }
                return false
            }
            var expected: [ReconcileOutcome]
            if !r.remoteAnswered {
                expected = [.fetchFailed]
            } else {
                switch (r.localBefore, r.remoteBefore) {
                case (nil, nil): expected = [.inSync, .fetchFailed]
                case (nil, _): expected = [.fastForwarded]
                case (_, nil): expected = [.fetchFailed, .pushedAhead]
                case (let l?, let rm?):
                    if l == rm {
                        expected = [.inSync]
                    } else if ancestor(l, rm) {
                        expected = [.fastForwarded]
                    } else if ancestor(rm, l) {
                        expected = [.pushedAhead]
                    } else {
                        expected = [.rebased, .conflictEscaped]
                    }
                }
            }
            if !expected.contains(r.outcome) {
                violations.fail(
                    .reconcileOutcome, e.time, e.replica,
                    "reconciling \(r.repo) (local \(short(r.localBefore)), upstream \(short(r.remoteBefore))) reported \(r.outcome.rawValue); the histories call for \(expected.map(\.rawValue).joined(separator: " or "))"
                )
                continue
            }
            if r.outcome == .conflictEscaped && r.conflictBranch.map({ Reconciler.isConflictBranchName($0) }) != true {
                violations.fail(
                    .reconcileOutcome, e.time, e.replica,
                    "conflict escape of \(r.repo) used branch '\(r.conflictBranch ?? "-")', not conflicts/YYYY-MM-DDTHH-MM-SSZ"
                )
            }
            guard let before = r.localBefore, let local else { continue }
            let remote = w.remoteRepository(domain: r.domain, identifier: r.repo.d)
            let lost = LocalWorkKept.lost(before: before, local: local, remote: remote, branch: r.branch)
            if !lost.isEmpty {
                violations.fail(
                    .reconcileOutcome, e.time, e.replica,
                    "reconciling \(r.repo) (\(r.outcome.rawValue)) lost local commits of \(short(before)) (\(lost.map(short).joined(separator: ", "))): they are neither on the local branch, nor on the upstream branch or a conflicts/ branch, nor copied there by a rebase"
                )
            }
        }
    }

    private func short(_ id: ObjectID?) -> String { id.map { String($0.hex.prefix(7)) } ?? "none" }
}
