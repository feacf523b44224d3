import Relay
import SimKernel

/// `store-readable`: the relay never reports a failed read or insert of its event store.
/// The simulated store does not fail, so a report means the relay lost track of its data;
/// how it answers then (an error, never "absent" or "stored") is what the store-failure
/// tests check.
final class StoreReadable: InvariantFamily {
    static let invariants: Set<InvariantName> = [.storeReadable]
    static let observes: HistoryKinds = [.relay]

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        guard case .relay(let replica, .storeFailed(let input, let error)) = entry.item else { return }
        violations.fail(.storeReadable, entry.time, replica, "the event store failed while handling \(input): \(error)")
    }
}
