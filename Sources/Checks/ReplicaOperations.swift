import GitStore
import Nostr
import Relay
import SimKernel

/// What a replica's lock layer reports about its own operations, judged as it happens:
/// - `no-overlapping-cycles`: a replica's background cycles never overlap;
/// - `no-half-applied-push`: a push answered 503 left the refs exactly as they were;
/// - `head-is-default`: an advertisement's HEAD is the default branch the newest served
///   state names (when the repository has that branch).
final class ReplicaOperations: InvariantFamily {
    static let invariants: Set<InvariantName> = [.noOverlappingCycles, .noHalfAppliedPush, .headIsDefault]
    static let observes: HistoryKinds = [.replica]

    /// Replicas with a background cycle running.
    private var cycleRunning: Set<String> = []

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        guard case .replica(let replica, let event) = entry.item else { return }
        let t = entry.time
        switch event {
        case .cycleStarted:
            if !cycleRunning.insert(replica).inserted {
                violations.fail(
                    .noOverlappingCycles, t, replica,
                    "a background cycle started while the previous one on \(replica) was still running")
            }
        case .cycleEnded:
            cycleRunning.remove(replica)
        case .pushRefused(let repo, let status, let before, let after):
            if before != after {
                violations.fail(
                    .noHalfAppliedPush, t, replica,
                    "push to \(repo) answered \(status) after changing refs: before \(Self.describe(before)), after \(Self.describe(after))"
                )
            }
        case .advertised(let repo, let head):
            guard let latest = CheckSuite.latestServedState(w, repo), let def = (try? RepoState(latest))?.head else {
                return
            }
            guard let r = w.storage.repository(repo), r.ref(def) != nil else { return }
            if head != def {
                violations.fail(
                    .headIsDefault, t, replica,
                    "advertisement of \(repo) gave HEAD \(head ?? "none") instead of the default branch \(def)")
            }
        default:
            break
        }
    }

    static func describe(_ refs: [String: ObjectID]) -> String {
        "{" + refs.keys.sorted().map { "\($0)=\(refs[$0]!.hex.prefix(7))" }.joined(separator: ",") + "}"
    }
}
