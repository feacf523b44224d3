import Nostr
import SimKernel

/// `ok-names-sent-event`: every OK a client receives names an event that client sent (a
/// relay that answers with another event's id — one it recomputed, or a replacement's —
/// leaves the client waiting for its own answer).
final class OKNamesSentEvent: InvariantFamily {
    static let invariants: Set<InvariantName> = [.okNamesSentEvent]
    static let observes: HistoryKinds = [.published, .clientReceived]

    /// Per actor, the ids of every event it sent.
    private var sent: [String: Set<String>] = [:]

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        switch entry.item {
        case .published(_, let actor, let event, _):
            sent[actor, default: []].insert(event.id)
        case .clientReceived(let actor, .ok(let id, _, _)) where sent[actor]?.contains(id) != true:
            violations.fail(
                .okNamesSentEvent, entry.time, actor, "OK for \(id.prefix(8)), an event \(actor) never sent")
        default:
            break
        }
    }
}
