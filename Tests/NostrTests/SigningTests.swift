import Testing

@testable import Nostr

@Suite struct SigningTests {
    static func sample(_ rngSeed: UInt64 = 1) -> NostrEvent {
        var rng = SplitMix64(seed: rngSeed)
        return NostrEvent.signed(
            kind: 1, tags: [["t", "x"]], content: "hello / ünïcode 🎉",
            createdAt: 1_700_000_000, keyPair: TestKeys.alice, using: &rng)
    }

    @Test func signedEventValidates() throws {
        let e = Self.sample()
        try e.validate()
        #expect(e.isValid)
        #expect(e.pubkey == TestKeys.alice.publicKey)
        #expect(e.id == e.computedID)
        #expect(e.sig.count == 128)
    }

    @Test func signingIsDeterministic() {
        #expect(Self.sample(5) == Self.sample(5))
        let a = Self.sample(5)
        let b = Self.sample(6)
        #expect(a.id == b.id)  // same fields, same id
        #expect(a.sig != b.sig)  // different aux randomness
    }

    @Test func builderMatchesStaticSigner() {
        let aux = [UInt8](repeating: 9, count: 32)
        let viaBuilder = EventBuilder(kind: 30617, createdAt: 10)
            .tag("d", "repo").tag(["clone", "https://a/x.git", "https://b/x.git"]).content("c")
            .sign(with: TestKeys.bob, auxRand: aux)
        let direct = NostrEvent.signed(
            kind: 30617, tags: [["d", "repo"], ["clone", "https://a/x.git", "https://b/x.git"]],
            content: "c", createdAt: 10, keyPair: TestKeys.bob, auxRand: aux)
        #expect(viaBuilder == direct)
        #expect(viaBuilder.isValid)
    }

    @Test func auxRandomnessIsLittleEndianFromRNG() {
        var r1 = SplitMix64(seed: 77)
        var r2 = SplitMix64(seed: 77)
        let aux = NostrEvent.auxRandomness(using: &r1)
        let first = r2.next()
        #expect(aux.count == 32)
        #expect(aux[0] == UInt8(truncatingIfNeeded: first))
        #expect(aux[7] == UInt8(truncatingIfNeeded: first >> 56))
    }

    @Test func hexErrors() {
        let e = Self.sample()
        var x = e
        x.id = String(e.id.dropLast())
        #expect(throws: EventValidationError.badIDHex) { try x.validate() }
        x = e
        x.id = e.id.uppercased()
        #expect(throws: EventValidationError.badIDHex) { try x.validate() }
        x = e
        x.pubkey = "g" + e.pubkey.dropFirst()
        #expect(throws: EventValidationError.badPubkeyHex) { try x.validate() }
        x = e
        x.sig = e.sig + "00"
        #expect(throws: EventValidationError.badSigHex) { try x.validate() }
    }

    @Test func tamperedFieldsGiveIDMismatch() {
        let e = Self.sample()
        var x = e
        x.content += "!"
        #expect(throws: EventValidationError.idMismatch(expected: x.computedID)) { try x.validate() }
        x = e
        x.createdAt += 1
        #expect(throws: EventValidationError.idMismatch(expected: x.computedID)) { try x.validate() }
        x = e
        x.tags.append(["p", TestKeys.bob.publicKey])
        #expect(throws: EventValidationError.idMismatch(expected: x.computedID)) { try x.validate() }
        x = e
        x.kind = 2
        #expect(throws: EventValidationError.idMismatch(expected: x.computedID)) { try x.validate() }
    }

    @Test func badSignature() {
        let e = Self.sample()
        var x = e
        let last = x.sig.removeLast()
        x.sig.append(last == "0" ? "1" : "0")
        #expect(throws: EventValidationError.badSignature) { try x.validate() }
        switch x.validationResult {
        case .failure(let err): #expect(err == .badSignature)
        case .success: Issue.record("tampered signature accepted")
        }
        // Someone else's correctly-hashed event with alice's signature.
        var forged = e
        forged.pubkey = TestKeys.bob.publicKey
        forged.id = forged.computedID
        #expect(throws: EventValidationError.badSignature) { try forged.validate() }
    }

    @Test func invalidPubkeyPoint() {
        var e = Self.sample()
        e.pubkey = String(repeating: "f", count: 64)  // not a field element
        e.id = e.computedID
        #expect(throws: EventValidationError.invalidPubkey) { try e.validate() }
    }

    @Test func messagesAreHumanReadable() {
        #expect(EventValidationError.badSignature.message == "signature verification failed")
        #expect(EventValidationError.idMismatch(expected: "ab").message.contains("ab"))
        for err: EventValidationError in [.badIDHex, .badPubkeyHex, .badSigHex, .invalidPubkey, .badSignature] {
            #expect(!err.message.isEmpty && !err.message.hasPrefix("invalid:"))
        }
    }

    @Test func benchEntryPoints() {
        NostrBench.prepare()
        #expect(NostrBench.verify(count: 20) == 20)
        #expect(NostrBench.sign(count: 3) == NostrBench.sign(count: 3))
        #expect(NostrBench.sign(count: 3) != NostrBench.sign(count: 4))
    }
}

/// U+0000 in the content or a tag: correctly signed, yet refused, since the event store
/// could not keep it exactly (SQLite text ends there). Checked after the signature.
@Suite struct NulCharacterTests {
    @Test(arguments: [("a\u{0}b", "x"), ("ab", "x\u{0}")])
    func refusedAfterTheSignatureChecks(content: String, tag: String) {
        let e = NostrEvent.signed(
            kind: 1, tags: [["t", tag]], content: content, createdAt: 1_700_000_000, keyPair: TestKeys.alice,
            auxRand: [UInt8](repeating: 0, count: 32))
        #expect(e.hasNulCharacter)
        #expect(throws: EventValidationError.nulCharacter) { try e.validate() }
        var tampered = e
        tampered.sig = String(repeating: "0", count: 128)
        #expect(throws: EventValidationError.badSignature) { try tampered.validate() }
    }
}
