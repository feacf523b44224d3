import GitStore
import Nostr

/// The model's own vocabulary: slots of replaceable and addressable events, the answers an
/// event can get, and the order in which versions replace each other (not `NostrEvent.supersedes`: a mistake
/// there would change the model along with the relay).
extension RelayModel {
    /// A replaceable or addressable event's slot: later versions replace earlier ones.
    struct Slot: Hashable, Comparable {
        var kind: Int
        var pubkey: String
        var d: String
        static func < (a: Slot, b: Slot) -> Bool { (a.kind, a.pubkey, a.d) < (b.kind, b.pubkey, b.d) }
    }

    /// How the relay answered an event.
    enum Answer: String { case served, waits, duplicate, rejected }

    /// NIP-01: the later `created_at` wins; on a tie, the lowest id.
    static func newer(_ a: NostrEvent, than b: NostrEvent) -> Bool {
        a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id < b.id
    }

    /// Replaceable (0, 3, 10000–19999) and addressable (30000–39999) kinds.
    static func hasSlots(kind: Int) -> Bool {
        kind == 0 || kind == 3 || (10000..<20000).contains(kind) || (30000..<40000).contains(kind)
    }

    static func slot(_ e: NostrEvent) -> Slot? {
        guard hasSlots(kind: e.kind) else { return nil }
        return Slot(kind: e.kind, pubkey: e.pubkey, d: (30000..<40000).contains(e.kind) ? e.dTag : "")
    }

    /// `{refs/heads/main=abc1234}` for messages.
    func describe(_ refs: [String: ObjectID]) -> String {
        "{" + refs.keys.sorted().map { "\($0)=\(refs[$0]!.hex.prefix(7))" }.joined(separator: ",") + "}"
    }
}
