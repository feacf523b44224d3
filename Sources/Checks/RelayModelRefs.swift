import GitStore
import Nostr
import Relay
import SimKernel

/// The relay model's view of repository refs: a snapshot after each relay step, and the
/// judgement of refs that changed with no accepted push or served state behind them.
extension RelayModel {
    func snapshot(_ w: WorldView) {
        let epoch = w.storage.refsEpoch
        if let epoch, epoch == epochBefore { return }
        epochBefore = epoch
        // Updated in place: only repositories added, removed or with moved refs change.
        let keys = w.storage.keys
        if keys.count != reposBefore.count || !keys.allSatisfy(reposBefore.contains) {
            reposBefore = Set(keys)
            refsBefore = refsBefore.filter { reposBefore.contains($0.key) }
            versionBefore = versionBefore.filter { reposBefore.contains($0.key) }
        }
        for k in keys {
            guard let r = w.storage.repository(k) else {
                refsBefore[k] = nil
                versionBefore[k] = nil
                continue
            }
            let v = Self.version(r)
            if let v, versionBefore[k]?.matches(v) == true, refsBefore[k] != nil { continue }
            refsBefore[k] = CheckSuite.hostedRefs(r)
            versionBefore[k] = v
        }
    }

    /// A repository's refs version with the repository itself: held, not by address, so
    /// a deleted repository's memory reused by a new one can never pass for it.
    struct RefsVersion {
        let repository: GitRepository
        let count: Int
        func matches(_ other: RefsVersion) -> Bool { repository === other.repository && count == other.count }
    }

    static func version(_ r: GitRepository) -> RefsVersion? {
        r.refsVersion.map { RefsVersion(repository: r, count: $0) }
    }

    func judgeRefChanges(
        _ w: WorldView, pushes: [(repo: RepoKey, proposed: [String: ObjectID])],
        mirrors: Set<RepoKey>, _ report: (String) -> Void
    ) {
        if let epoch = w.storage.refsEpoch, epoch == epochBefore { return }  // nothing moved
        for key in w.storage.keys where reposBefore.contains(key) && !mirrors.contains(key) {
            guard let r = w.storage.repository(key) else { continue }
            if let v = Self.version(r), versionBefore[key]?.matches(v) == true { continue }  // refs untouched
            let now = CheckSuite.hostedRefs(r)
            guard now != refsBefore[key] ?? [:], !now.isEmpty else { continue }
            if pushes.contains(where: { $0.repo == key && $0.proposed == now }) { continue }
            let maint = maintainers(key)
            let named = served.values.contains { s in
                s.kind == Kinds.repoState && s.dTag == key.d && maint.contains(s.pubkey) && CheckSuite.refs(s) == now
            }
            if !named {
                report(
                    "the refs of \(key) changed from \(describe(refsBefore[key] ?? [:])) to \(describe(now)): no accepted push proposed them and no served state of its maintainers names them"
                )
                return
            }
        }
    }
}
