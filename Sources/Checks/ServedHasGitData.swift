import GitStore
import Nostr
import Relay
import SimKernel

/// `served-has-git-data`: whatever is served names git data this host holds — a state's
/// tips complete in an authoritative repository, an announcement listing this service a
/// repository with its refs' objects, a PR's commit at `refs/nostr/<id>` — judged from the
/// storage when the relay reports serving it.
final class ServedHasGitData: InvariantFamily {
    static let invariants: Set<InvariantName> = [.servedHasGitData]
    static let observes: HistoryKinds = [.relay]

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        guard case .relay(let replica, .served(let e, _)) = entry.item else { return }
        let t = entry.time
        switch e.kind {
        case Kinds.repoState:
            let tips = Array(CheckSuite.refs(e).values)
            let ok = CheckSuite.owners(w, e.dTag).map { RepoKey(owner: $0, d: e.dTag) }
                .filter { CheckSuite.maintainers(w, $0).contains(e.pubkey) }
                .contains { w.storage.repository($0)?.isComplete(tips) == true }
            if !ok {
                violations.fail(
                    .servedHasGitData, t, replica,
                    "state \(e.id.prefix(8)) (\(e.dTag)) served but no authoritative repository holds all its objects")
            }
        case Kinds.repoAnnouncement:
            guard CheckSuite.listsService(w, e) else { return }
            let key = RepoKey(owner: e.pubkey, d: e.dTag)
            guard let repo = w.storage.repository(key) else {
                violations.fail(
                    .servedHasGitData, t, replica,
                    "announcement \(e.id.prefix(8)) (\(key)) served but its repository does not exist")
                return
            }
            let refs = CheckSuite.hostedRefs(repo)
            if refs.isEmpty || !repo.isComplete(Array(refs.values)) {
                violations.fail(
                    .servedHasGitData, t, replica,
                    "announcement \(e.id.prefix(8)) (\(key)) served but its repository has no git data")
            }
        case Kinds.pullRequest, Kinds.pullRequestUpdate:
            guard let c = e.tagValue("c").flatMap(ObjectID.init(hex:)) else { return }
            let ok = w.storage.keys.contains { k in
                guard let r = w.storage.repository(k) else { return false }
                return r.ref("refs/nostr/\(e.id)") == c && r.isComplete([c])
            }
            if !ok {
                violations.fail(
                    .servedHasGitData, t, replica,
                    "PR \(e.id.prefix(8)) served but no repository has refs/nostr/\(e.id.prefix(8)) at its commit")
            }
        default: break
        }
    }
}
