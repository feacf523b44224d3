import Synchronization

/// A process-wide memo of a pure function: bounded (past `capacity` entries it starts over,
/// so memory stays flat) and safe to share between threads. Keys must be exact: a key type
/// whose equality is looser than the function's input (a `String`, which compares by
/// Unicode canonical equivalence) would answer one input with another's result.
public final class BoundedMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    public let capacity: Int
    private let entries = Mutex<[Key: Value]>([:])

    public init(capacity: Int) { self.capacity = capacity }

    public func value(for key: Key) -> Value? { entries.withLock { $0[key] } }

    public func remember(_ value: Value, for key: Key) {
        entries.withLock { table in
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[key] = value
        }
    }

    /// How many entries are remembered.
    public var count: Int { entries.withLock { $0.count } }
}

/// Signatures already known to verify, so an event is checked by libsecp256k1 once.
///
/// BIP-340 verification is a pure function of (message, x-only key, signature), and a
/// signature made by `Schnorr.sign` with a valid key pair always verifies; so a triple that
/// verified once, or that this process signed, verifies again. The memo keys on the whole
/// triple (the event id is the message; `validate()` recomputes it from the event and
/// checks all three are lowercase hex before asking), so a changed id, key or signature is
/// never answered from it. In a sweep this spares every simulated relay from re-verifying
/// what the simulated clients just signed: verification was a fifth of an arrival
/// scenario's time.
enum SignatureMemo {
    struct Triple: Hashable, Sendable {
        var id: String
        var pubkey: String
        var sig: String
    }

    static let shared = BoundedMemo<Triple, Bool>(capacity: 4_096)

    static func verifies(id: String, pubkey: String, sig: String) -> Bool {
        shared.value(for: Triple(id: id, pubkey: pubkey, sig: sig)) == true
    }

    static func remember(id: String, pubkey: String, sig: String) {
        shared.remember(true, for: Triple(id: id, pubkey: pubkey, sig: sig))
    }
}

/// Key pairs `KeyPair.deterministic` derived already (a pure function of the name's UTF-8
/// bytes and the salt): every run of a sweep derives its actors' keys again, a point
/// multiplication each.
enum DerivedKeys {
    struct Name: Hashable, Sendable {
        var utf8: [UInt8]
        var salt: UInt64
    }
    static let shared = BoundedMemo<Name, KeyPair>(capacity: 1_024)
}
