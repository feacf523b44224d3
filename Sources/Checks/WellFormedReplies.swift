import Nostr
import SimKernel

/// `well-formed-replies`: what clients receive follows NIP-01, with the standard
/// machine-readable prefixes, and every push gets an answer for each of its refs.
final class WellFormedReplies: InvariantFamily {
    static let invariants: Set<InvariantName> = [.wellFormedReplies]
    static let observes: HistoryKinds = [.clientReceived, .pushAnswered]

    static let prefixes = [
        "duplicate:", "pow:", "blocked:", "rate-limited:", "invalid:", "restricted:", "error:", "purgatory:",
    ]

    func observe(_ entry: HistoryEntry, _ w: WorldView, _ violations: Violations) {
        let t = entry.time
        switch entry.item {
        case .clientReceived(let actor, let msg):
            check(msg, actor, t, violations)
        case .pushAnswered(let step, let actor, _, let results, let http):
            if http == nil && results.isEmpty {
                violations.fail(.wellFormedReplies, t, actor, "push \(step): empty result")
            }
            for r in results where r.error?.isEmpty == true {
                violations.fail(.wellFormedReplies, t, actor, "push \(step): ref \(r.name) rejected without a reason")
            }
        default: break
        }
    }

    private func check(_ msg: RelayMessage, _ actor: String, _ t: SimTime, _ violations: Violations) {
        switch msg {
        case .ok(let id, let accepted, let message):
            if id.utf8.count != 64 || !id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
                violations.fail(.wellFormedReplies, t, actor, "OK with a malformed event id '\(id)'")
            }
            if !accepted && message.isEmpty {
                violations.fail(.wellFormedReplies, t, actor, "OK false without a message for \(id.prefix(8))")
            }
            if !message.isEmpty && !Self.prefixes.contains(where: { message.hasPrefix($0) }) {
                violations.fail(.wellFormedReplies, t, actor, "OK message without a standard prefix: '\(message)'")
            }
        case .closed(_, let message):
            if !Self.prefixes.contains(where: { message.hasPrefix($0) }) {
                violations.fail(.wellFormedReplies, t, actor, "CLOSED message without a standard prefix: '\(message)'")
            }
        case .event(_, let e):
            if (try? e.validate()) == nil {
                violations.fail(.wellFormedReplies, t, actor, "EVENT \(e.id.prefix(8)) does not validate")
            }
        case .eose, .notice: break
        }
    }
}
