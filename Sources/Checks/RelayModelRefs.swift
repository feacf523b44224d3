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
        let entries = w.storage.entries
        if entriesSeen != w.storage.entriesRevision {
            // Repositories were created or deleted: carry each one's version over by key.
            let old = Dictionary(zip(keysBefore, versionBefore), uniquingKeysWith: { a, _ in a })
            keysBefore = entries.map(\.key)
            versionBefore = keysBefore.map { old[$0] ?? nil }
            entriesSeen = w.storage.entriesRevision
            reposBefore = Set(keysBefore)
            refsBefore = refsBefore.filter { reposBefore.contains($0.key) }
        }
        for (i, (k, r)) in entries.enumerated() {
            let v = Self.version(r)
            if let v, versionBefore[i]?.matches(v) == true { continue }
            refsBefore[k] = CheckSuite.hostedRefs(r)
            versionBefore[i] = v
        }
    }

    /// The refs version of `key` at the last snapshot (nil when none was taken, or the
    /// repository keeps no version).
    private func versionAtSnapshot(_ index: Int, _ key: RepoKey, sameEntries: Bool) -> RefsVersion? {
        if sameEntries { return versionBefore[index] }
        guard let i = keysBefore.firstIndex(of: key) else { return nil }
        return versionBefore[i]
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
        // The same repositories as at the last snapshot: their versions are index by index.
        let sameEntries = entriesSeen == w.storage.entriesRevision
        for (i, (key, r)) in w.storage.entries.enumerated() {
            guard sameEntries || reposBefore.contains(key), mirrors.isEmpty || !mirrors.contains(key) else { continue }
            if let v = Self.version(r), versionAtSnapshot(i, key, sameEntries: sameEntries)?.matches(v) == true {
                continue  // refs untouched
            }
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
