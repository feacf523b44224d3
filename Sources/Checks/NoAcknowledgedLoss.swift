import GitStore
import Relay
import SimKernel

/// `no-acknowledged-loss`: what the relay acknowledged stays. An event answered OK is still
/// served at the end unless it was replaced or deleted; an event accepted into purgatory
/// left it by release, expiry or deletion (or still waits); every object of an accepted push
/// is still in its repository unless the repository was deleted after the push.
final class NoAcknowledgedLoss: InvariantFamily {
    static let invariants: Set<InvariantName> = [.noAcknowledgedLoss]
    static let observes: HistoryKinds = [.relay]

    private var okAcks: [String: SimTime] = [:]
    private var purgatoryAcks: [String: SimTime] = [:]
    /// Why each event left purgatory.
    private var leftWhy: [String: String] = [:]
    /// Events the relay stopped serving on purpose (replaced or deleted).
    private var unservedIDs: Set<String> = []
    private var acceptedPushes: [(repo: RepoKey, ids: [ObjectID], time: SimTime)] = []
    private var deletedRepos: [RepoKey: SimTime] = [:]

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        guard case .relay(_, let obs) = entry.item else { return }
        let t = entry.time
        switch obs {
        case .left(let id, _, let why):
            leftWhy[id] = why
        case .unserved(let ids, _):
            unservedIDs.formUnion(ids)
        case .acknowledged(let id, let accepted, let message) where accepted:
            if message.hasPrefix("purgatory:") {
                purgatoryAcks[id] = t
            } else if !message.hasPrefix("duplicate:") {
                okAcks[id] = t
            }
        case .push(let repo, let updates, let results, _) where results.allSatisfy(\.ok):
            acceptedPushes.append((repo, updates.filter { !$0.isDelete }.map(\.new), t))
        case .repoDeleted(let key):
            deletedRepos[key] = t
        default:
            break
        }
    }

    func finish(_ w: WorldView, healedAt: SimTime, _ violations: Violations) {
        let t = w.now
        for (id, at) in okAcks.sorted(by: { $0.key < $1.key }) {
            if (try? w.store.event(id: id)) != nil || unservedIDs.contains(id) { continue }
            violations.fail(
                .noAcknowledgedLoss, t, "relay",
                "event \(id.prefix(8)) acknowledged at \(Time.format(at)) is no longer served")
        }
        for (id, at) in purgatoryAcks.sorted(by: { $0.key < $1.key }) {
            if (try? w.store.event(id: id)) != nil || unservedIDs.contains(id) || leftWhy[id] != nil { continue }
            if w.purgatories.contains(where: { $0.purgatory.waitingIDs.contains(id) }) { continue }
            violations.fail(
                .noAcknowledgedLoss, t, "relay",
                "event \(id.prefix(8)) accepted into purgatory at \(Time.format(at)) vanished without release, expiry or deletion"
            )
        }
        for p in acceptedPushes {
            if let del = deletedRepos[p.repo], del >= p.time { continue }
            guard let repo = w.storage.repository(p.repo) else {
                violations.fail(
                    .noAcknowledgedLoss, t, "relay",
                    "repository \(p.repo) of a push accepted at \(Time.format(p.time)) is gone")
                continue
            }
            for id in p.ids where !repo.contains(id) {
                violations.fail(
                    .noAcknowledgedLoss, t, "relay",
                    "object \(id.hex.prefix(7)) of a push accepted at \(Time.format(p.time)) is missing from \(p.repo)")
            }
        }
    }
}
