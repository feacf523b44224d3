import Testing

@testable import Nostr

/// The signature memo answers only for exactly the triple it saw verify (or signed), so a
/// remembered event never lends its verdict to a changed one.
@Suite struct SignatureMemoTests {
    static func signed(_ content: String) -> NostrEvent {
        var rng = SplitMix64(seed: 42)
        return NostrEvent.signed(
            kind: 1, content: content, createdAt: 1_700_000_000, keyPair: TestKeys.alice, using: &rng)
    }

    @Test func signedEventsValidate() {
        let e = Self.signed("memo: signed")
        #expect((try? e.validate()) != nil)
        #expect((try? e.validate(memo: false)) != nil)
    }

    /// Another valid signature (of another event) on a remembered event fails, as does the
    /// remembered signature under another key.
    @Test func aChangedSignatureOrKeyIsVerifiedNotRemembered() {
        let e = Self.signed("memo: original")
        let other = Self.signed("memo: other")
        var swapped = e
        swapped.sig = other.sig
        #expect(throws: EventValidationError.badSignature) { try swapped.validate() }

        var otherKey = e
        otherKey.pubkey = TestKeys.bob.publicKey
        otherKey.id = otherKey.computedID
        #expect(throws: EventValidationError.badSignature) { try otherKey.validate() }
    }

    /// Bit flips in the signature are checked by libsecp256k1 even though the event's
    /// original triple is remembered.
    @Test func aFlippedSignatureFails() {
        let e = Self.signed("memo: flip")
        for position in [0, 63, 64, 127] {
            var bad = e
            var chars = Array(bad.sig)
            chars[position] = chars[position] == "0" ? "1" : "0"
            bad.sig = String(chars)
            #expect(throws: EventValidationError.badSignature) { try bad.validate() }
        }
    }

    /// A memo stays bounded (past its capacity it starts over) and answers only what it
    /// was told. A private memo: the shared ones are used by tests running in parallel.
    @Test func memoIsBoundedAndExact() {
        let memo = BoundedMemo<[UInt8], Int?>(capacity: 8)
        memo.remember(nil, for: [1])
        #expect(memo.value(for: [1]) == .some(nil))
        #expect(memo.value(for: [2]) == nil)
        for i in 0..<20 { memo.remember(i, for: [UInt8(i + 10)]) }
        #expect(memo.count <= 8)
        #expect(memo.value(for: [29]) == .some(19))
    }

    /// Names that are canonically equivalent but differ in bytes derive different keys
    /// (a memo keyed on `String` would answer one with the other).
    @Test func derivedKeysFollowTheNamesBytes() {
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)  // Swift's String equality
        let a = KeyPair.deterministic(name: composed, salt: 9)
        let b = KeyPair.deterministic(name: decomposed, salt: 9)
        #expect(a == KeyPair.derive(name: composed, salt: 9))
        #expect(b == KeyPair.derive(name: decomposed, salt: 9))
        #expect(a != b)
    }

    @Test func derivedKeysMatchAFreshDerivation() {
        let a = KeyPair.deterministic(name: "memo-key", salt: 3)
        let b = KeyPair.deterministic(name: "memo-key", salt: 3)
        let fresh = KeyPair.derive(name: "memo-key", salt: 3)
        #expect(a == fresh && b == fresh)
        #expect(a.publicKey == fresh.publicKey && a.keypairData == fresh.keypairData)
        #expect(KeyPair.deterministic(name: "memo-key", salt: 4) != a)
    }
}
