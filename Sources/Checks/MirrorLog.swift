import Relay
import SimKernel
import Sync

/// Repositories a reconciliation has touched, from the history: their refs follow their
/// upstream (SPEC §7), not Nostr states. Each check that needs it keeps its own.
struct MirrorLog {
    private(set) var repos: Set<RepoKey> = []

    mutating func note(_ entry: HistoryEntry) {
        switch entry.item {
        case .sync(_, .reconciled(let r)): repos.insert(r.repo)
        case .relay(_, .refsChanged(let repo, _, _, let why)) where why == "reconcile": repos.insert(repo)
        default: break
        }
    }
}
