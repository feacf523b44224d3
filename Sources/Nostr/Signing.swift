/// Why an event failed NIP-01 validation. `message` reads well after the `invalid: ` prefix.
public enum EventValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `id` is not 64 lowercase hex characters.
    case badIDHex
    /// `pubkey` is not 64 lowercase hex characters.
    case badPubkeyHex
    /// `sig` is not 128 lowercase hex characters.
    case badSigHex
    /// `pubkey` is well-formed hex but not a valid x-only public key.
    case invalidPubkey
    /// `id` is not the hash of the event; `expected` is what it hashes to.
    case idMismatch(expected: String)
    /// The signature does not verify against `id` and `pubkey`.
    case badSignature
    /// The content or a tag holds U+0000, which the event store could not keep exactly
    /// (SQLite text ends there).
    case nulCharacter

    /// A short human message, e.g. for `["OK", id, false, "invalid: " + message]`.
    public var message: String {
        switch self {
        case .badIDHex: return "event id must be 64 lowercase hex characters"
        case .badPubkeyHex: return "pubkey must be 64 lowercase hex characters"
        case .badSigHex: return "sig must be 128 lowercase hex characters"
        case .invalidPubkey: return "pubkey is not a valid secp256k1 x-only public key"
        case .idMismatch(let expected): return "event id does not match its content (expected \(expected))"
        case .badSignature: return "signature verification failed"
        case .nulCharacter: return "content and tags must not contain U+0000"
        }
    }

    public var description: String { message }
}

extension NostrEvent {
    /// Builds and signs an event: computes the id from the fields and signs it with BIP-340
    /// using the given 32 bytes of aux randomness (same inputs → same event).
    public static func signed(
        kind: Int, tags: [[String]] = [], content: String, createdAt: Int64,
        keyPair: KeyPair, auxRand: [UInt8]
    ) -> NostrEvent {
        let idBytes = computeIDBytes(
            pubkey: keyPair.publicKey, createdAt: createdAt, kind: kind,
            tags: tags, content: content)
        let sig = Hex.encode(Schnorr.sign(message32: idBytes, keyPair: keyPair, auxRand32: auxRand))
        let id = Hex.encode(idBytes)
        SignatureMemo.remember(id: id, pubkey: keyPair.publicKey, sig: sig)
        return NostrEvent(
            id: id, pubkey: keyPair.publicKey, createdAt: createdAt,
            kind: kind, tags: tags, content: content, sig: sig)
    }

    /// Like `signed(…auxRand:)`, drawing the 32 aux bytes from `rng` (four `next()` calls,
    /// little-endian), so a seeded generator gives reproducible signatures.
    public static func signed<R: RandomNumberGenerator>(
        kind: Int, tags: [[String]] = [], content: String,
        createdAt: Int64, keyPair: KeyPair,
        using rng: inout R
    ) -> NostrEvent {
        signed(
            kind: kind, tags: tags, content: content, createdAt: createdAt, keyPair: keyPair,
            auxRand: auxRandomness(using: &rng))
    }

    /// 32 bytes drawn from `rng` (four UInt64, little-endian).
    public static func auxRandomness<R: RandomNumberGenerator>(using rng: inout R) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for _ in 0..<4 {
            let v = rng.next()
            for i in 0..<8 { out.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) }
        }
        return out
    }

    /// Checks the hex form of `id`, `pubkey` and `sig`, that `id` is the hash of the
    /// event, and that `sig` is a valid BIP-340 signature of `id` by `pubkey`.
    /// Checks run in that order; the first failure is thrown.
    public func validate() throws(EventValidationError) { try validate(memo: true) }

    /// `validate()`; with `memo` false the signature is verified even when `SignatureMemo`
    /// knows it (for the benchmark, which times verification itself).
    func validate(memo: Bool) throws(EventValidationError) {
        guard Hex.isLowercaseHex(id, length: 64) else { throw .badIDHex }
        guard Hex.isLowercaseHex(pubkey, length: 64), let pk = Hex.decode(pubkey) else { throw .badPubkeyHex }
        guard Hex.isLowercaseHex(sig, length: 128), let sigBytes = Hex.decode(sig) else { throw .badSigHex }
        let idBytes = NostrEvent.computeIDBytes(
            pubkey: pubkey, createdAt: createdAt, kind: kind,
            tags: tags, content: content)
        let expected = Hex.encode(idBytes)
        guard expected == id else { throw .idMismatch(expected: expected) }
        if !memo || !SignatureMemo.verifies(id: id, pubkey: pubkey, sig: sig) {
            guard Schnorr.isValidXOnlyPublicKey(pk) else { throw .invalidPubkey }
            guard Schnorr.verify(signature64: sigBytes, message: idBytes, xOnlyPublicKey32: pk) else {
                throw .badSignature
            }
            SignatureMemo.remember(id: id, pubkey: pubkey, sig: sig)
        }
        guard !hasNulCharacter else { throw .nulCharacter }
    }

    /// Whether the content or any tag string holds U+0000.
    public var hasNulCharacter: Bool {
        content.utf8.contains(0) || tags.contains { $0.contains { $0.utf8.contains(0) } }
    }

    /// `validate()` as a Result.
    public var validationResult: Result<Void, EventValidationError> {
        do throws(EventValidationError) {
            try validate()
            return .success(())
        } catch { return .failure(error) }
    }

    /// True when `validate()` passes.
    public var isValid: Bool { (try? validate()) != nil }
}

/// Accumulates an event's fields, then signs it.
public struct EventBuilder: Sendable {
    public var kind: Int
    public var tags: [[String]]
    public var content: String
    public var createdAt: Int64

    public init(kind: Int, tags: [[String]] = [], content: String = "", createdAt: Int64) {
        self.kind = kind
        self.tags = tags
        self.content = content
        self.createdAt = createdAt
    }

    /// A copy with one more tag appended.
    public func tag(_ items: String...) -> EventBuilder {
        var b = self
        b.tags.append(items)
        return b
    }

    /// A copy with one more tag appended.
    public func tag(_ items: [String]) -> EventBuilder {
        var b = self
        b.tags.append(items)
        return b
    }

    /// A copy with different content.
    public func content(_ text: String) -> EventBuilder {
        var b = self
        b.content = text
        return b
    }

    /// Signs with explicit aux randomness.
    public func sign(with keyPair: KeyPair, auxRand: [UInt8]) -> NostrEvent {
        NostrEvent.signed(
            kind: kind, tags: tags, content: content, createdAt: createdAt,
            keyPair: keyPair, auxRand: auxRand)
    }

    /// Signs, drawing aux randomness from `rng`.
    public func sign<R: RandomNumberGenerator>(with keyPair: KeyPair, using rng: inout R) -> NostrEvent {
        NostrEvent.signed(
            kind: kind, tags: tags, content: content, createdAt: createdAt,
            keyPair: keyPair, using: &rng)
    }
}
