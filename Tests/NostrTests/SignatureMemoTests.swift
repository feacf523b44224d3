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

    @Test func signingRemembersTheTriple() {
        let e = Self.signed("memo: signed")
        #expect(SignatureMemo.verifies(id: e.id, pubkey: e.pubkey, sig: e.sig))
        #expect((try? e.validate()) != nil)
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

    /// The memo stays bounded: past its capacity it starts over.
    @Test func memoIsBounded() {
        for i in 0..<(SignatureMemo.capacity + 10) {
            SignatureMemo.remember(id: "id\(i)", pubkey: "pk", sig: "sig")
        }
        #expect(SignatureMemo.size <= SignatureMemo.capacity)
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
