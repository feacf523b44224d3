import GitStore
import Nostr
import Relay
import SimKernel

/// `late-binding`: a push is refused only when nothing authorizes it — not a no-op push,
/// and not one whose refs a waiting state of the repository's maintainers names exactly
/// (the state in purgatory authorizes it, SPEC §5); found from the purgatories' contents
/// and the maintainer sets this check computes.
final class LateBinding: InvariantFamily {
    static let invariants: Set<InvariantName> = [.lateBinding]
    static let observes: HistoryKinds = [.relay]

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        guard case .relay(let replica, .push(let repo, let updates, let results, _)) = entry.item,
            !results.allSatisfy(\.ok)
        else { return }
        judge(repo, updates, results, replica, entry.time, w, violations)
    }

    private func judge(
        _ repo: RepoKey, _ updates: [RefUpdate], _ results: [RefResult], _ replica: String, _ t: SimTime,
        _ w: WorldView,
        _ violations: Violations
    ) {
        let normal = updates.filter { !$0.name.hasPrefix("refs/nostr/") }
        guard !normal.isEmpty, let r = w.storage.repository(repo) else { return }
        let errors = results.filter { !$0.ok && !$0.name.hasPrefix("refs/nostr/") }.compactMap(\.error)
        // Not authorization decisions: races on old values, incomplete packs, and storage
        // refusing the write (e.g. a fencing token after a lock-service failover).
        if errors.contains(where: {
            $0.contains("stale info") || $0.hasPrefix("unpack error") || $0.hasPrefix("error:")
        }) {
            return
        }
        if normal.allSatisfy(\.isNoOp) {
            violations.fail(.lateBinding, t, replica, "no-op push to \(repo) rejected: \(errors.first ?? "")")
            return
        }
        var proposed = CheckSuite.hostedRefs(r)
        for u in normal { proposed[u.name] = u.isDelete ? nil : u.new }
        let maint = CheckSuite.maintainers(w, repo)
        // A state older than the newest served one cannot take the repository back.
        let newest = CheckSuite.latestServedState(w, repo)
        for (_, p) in w.purgatories {
            for s in p.states[repo.d] ?? [] where maint.contains(s.event.pubkey) && CheckSuite.refs(s.event) == proposed
            {
                if let newest, newest.supersedes(s.event) { continue }
                violations.fail(
                    .lateBinding, t, replica,
                    "push to \(repo) rejected (\(errors.first ?? "")) although state \(s.event.id.prefix(8)) waits in purgatory for exactly these refs"
                )
                return
            }
        }
    }
}
