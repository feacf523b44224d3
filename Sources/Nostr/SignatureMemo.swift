import Synchronization

/// Signatures already known to verify, so an event is checked by libsecp256k1 once.
///
/// BIP-340 verification is a pure function of (message, x-only key, signature), and a
/// signature made by `Schnorr.sign` with a valid key pair always verifies; so a triple that
/// verified once, or that this process signed, verifies again. The memo keys on the whole
/// triple (the event id is the message; `validate()` recomputes it from the event before
/// asking), so a changed id, key or signature is never answered from it. In a sweep this
/// spares every simulated relay from re-verifying what the simulated clients just signed:
/// verification was a fifth of an arrival scenario's time.
///
/// Process-wide and bounded: past `capacity` entries it starts over, so memory stays flat.
enum SignatureMemo {
    struct Triple: Hashable {
        var id: String
        var pubkey: String
        var sig: String
    }

    static let capacity = 4_096
    private static let known = Mutex<Set<Triple>>([])

    static func verifies(id: String, pubkey: String, sig: String) -> Bool {
        let t = Triple(id: id, pubkey: pubkey, sig: sig)
        return known.withLock { $0.contains(t) }
    }

    static func remember(id: String, pubkey: String, sig: String) {
        let t = Triple(id: id, pubkey: pubkey, sig: sig)
        known.withLock { set in
            if set.count >= capacity { set.removeAll(keepingCapacity: true) }
            set.insert(t)
        }
    }

    /// How many triples are remembered (for tests).
    static var size: Int { known.withLock { $0.count } }
}

/// Key pairs `KeyPair.deterministic` derived already (a pure function of name and salt):
/// every run of a sweep derives its actors' keys again, a point multiplication each.
/// Process-wide and bounded like `SignatureMemo`.
enum DerivedKeys {
    struct Name: Hashable {
        var name: String
        var salt: UInt64
    }
    static let capacity = 1_024
    static let known = Mutex<[Name: KeyPair]>([:])
}
