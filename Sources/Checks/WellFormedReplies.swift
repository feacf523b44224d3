import SimKernel
import Nostr

/// `well-formed-replies`: what clients receive follows NIP-01, with the standard
/// machine-readable prefixes.
extension CheckSuite {
    func checkWellFormed(_ msg: RelayMessage, _ actor: String, _ t: SimTime) {
        switch msg {
        case .ok(let id, let accepted, let message):
            if id.utf8.count != 64 || !id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }) {
                fail(.wellFormedReplies, t, actor, "OK with a malformed event id '\(id)'")
            }
            if !accepted && message.isEmpty { fail(.wellFormedReplies, t, actor, "OK false without a message for \(id.prefix(8))") }
            if !message.isEmpty && !Self.prefixes.contains(where: { message.hasPrefix($0) }) {
                fail(.wellFormedReplies, t, actor, "OK message without a standard prefix: '\(message)'")
            }
        case .closed(_, let message):
            if !Self.prefixes.contains(where: { message.hasPrefix($0) }) {
                fail(.wellFormedReplies, t, actor, "CLOSED message without a standard prefix: '\(message)'")
            }
        case .event(_, let e):
            if (try? e.validate()) == nil { fail(.wellFormedReplies, t, actor, "EVENT \(e.id.prefix(8)) does not validate") }
        case .eose, .notice: break
        }
    }
}
