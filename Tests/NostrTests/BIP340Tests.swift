import Testing

@testable import Nostr

struct BIP340Vector {
    var index: Int
    var secretKey: String
    var publicKey: String
    var auxRand: String
    var message: String
    var signature: String
    var expected: Bool
    var comment: String
}

func parseBIP340Vectors(_ text: String) -> [BIP340Vector] {
    var out = [BIP340Vector]()
    for line in text.split(whereSeparator: \.isNewline).dropFirst() {
        let f = line.split(separator: ",", maxSplits: 7, omittingEmptySubsequences: false).map(String.init)
        guard f.count >= 7, let idx = Int(f[0]) else { continue }
        out.append(
            BIP340Vector(
                index: idx, secretKey: f[1], publicKey: f[2], auxRand: f[3], message: f[4],
                signature: f[5], expected: f[6] == "TRUE", comment: f.count > 7 ? f[7] : ""))
    }
    return out
}

func verify(_ v: BIP340Vector) -> Bool {
    Schnorr.verify(
        signature64: hexBytes(v.signature), message: hexBytes(v.message),
        xOnlyPublicKey32: hexBytes(v.publicKey))
}

@Suite struct BIP340Tests {
    /// The final BIP-340 test vectors (bitcoin/bips bip-0340/test-vectors.csv), from the fixture file.
    let official = parseBIP340Vectors((try? Fixture.text("bip340-test-vectors.csv")) ?? "")

    @Test func officialVectorsParse() {
        #expect(official.count == 19)
        #expect(official.map(\.index) == Array(0..<19))
        // Rows 15-18 have messages that are not 32 bytes.
        #expect(official.filter { $0.message.count != 64 }.map(\.index) == [15, 16, 17, 18])
    }

    @Test func officialSigning() throws {
        let withKeys = official.filter { !$0.secretKey.isEmpty }
        #expect(withKeys.count == 8)
        for v in withKeys {
            let kp = try KeyPair(secretHex: v.secretKey)
            #expect(kp.publicKey == v.publicKey.lowercased(), "vector \(v.index) public key")
            let msg = hexBytes(v.message)
            if msg.count == 32 {
                let sig = Schnorr.sign(message32: msg, keyPair: kp, auxRand32: hexBytes(v.auxRand))
                #expect(Hex.encode(sig) == v.signature.lowercased(), "vector \(v.index) signature")
            }
        }
    }

    @Test func officialVerification() {
        for v in official {
            #expect(verify(v) == v.expected, "vector \(v.index): \(v.comment)")
        }
    }

    @Test func invalidPublicKeysAreRejectedNotCrashing() {
        // Vector 5: not on the curve; vector 14: x exceeds the field size.
        for i in [5, 14] {
            #expect(!Schnorr.isValidXOnlyPublicKey(hexBytes(official[i].publicKey)))
            #expect(!verify(official[i]))
        }
        // Wrong lengths are false, not traps.
        let v = official[1]
        #expect(
            !Schnorr.verify(
                signature64: Array(hexBytes(v.signature).dropLast()), message: hexBytes(v.message),
                xOnlyPublicKey32: hexBytes(v.publicKey)))
        #expect(
            !Schnorr.verify(
                signature64: hexBytes(v.signature), message: hexBytes(v.message),
                xOnlyPublicKey32: Array(hexBytes(v.publicKey).prefix(31))))
    }

    /// Every row of Fixtures/bip340-test-vectors.csv (the final BIP-340 vectors, with the
    /// variable-length messages of rows 15-18): verification gives the listed result, keys
    /// derive the listed public key, and signing 32-byte messages gives the listed signature.
    @Test func fixtureFile() throws {
        #expect(official.count == 19)
        for v in official {
            #expect(verify(v) == v.expected, "vector \(v.index): \(v.comment)")
            if !v.secretKey.isEmpty {
                let kp = try KeyPair(secretHex: v.secretKey)
                #expect(kp.publicKey == v.publicKey.lowercased(), "vector \(v.index) public key")
                if v.message.count == 64 {
                    let sig = Schnorr.sign(message32: hexBytes(v.message), keyPair: kp, auxRand32: hexBytes(v.auxRand))
                    #expect(Hex.encode(sig) == v.signature.lowercased(), "vector \(v.index) signature")
                }
            }
        }
    }

    @Test func roundTripAndBitFlips() {
        let kp = TestKeys.alice
        var rng = SplitMix64(seed: 42)
        for round in 0..<8 {
            let msg = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let aux = NostrEvent.auxRandomness(using: &rng)
            let sig = Schnorr.sign(message32: msg, keyPair: kp, auxRand32: aux)
            #expect(sig.count == 64)
            #expect(Schnorr.verify(signature64: sig, message: msg, xOnlyPublicKey32: kp.publicKeyBytes))
            // Same inputs → same signature (deterministic given aux).
            #expect(Schnorr.sign(message32: msg, keyPair: kp, auxRand32: aux) == sig)
            let bit = round * 61 % 512
            var badSig = sig
            badSig[bit / 8] ^= 1 << UInt8(bit % 8)
            #expect(!Schnorr.verify(signature64: badSig, message: msg, xOnlyPublicKey32: kp.publicKeyBytes))
            var badMsg = msg
            badMsg[round] ^= 0x80
            #expect(!Schnorr.verify(signature64: sig, message: badMsg, xOnlyPublicKey32: kp.publicKeyBytes))
            #expect(!Schnorr.verify(signature64: sig, message: msg, xOnlyPublicKey32: TestKeys.bob.publicKeyBytes))
        }
    }

    @Test func auxRandomnessChangesSignatureNotValidity() {
        let msg = [UInt8](repeating: 7, count: 32)
        let a = Schnorr.sign(message32: msg, keyPair: TestKeys.alice, auxRand32: TestKeys.zeroAux)
        let b = Schnorr.sign(message32: msg, keyPair: TestKeys.alice, auxRand32: [UInt8](repeating: 1, count: 32))
        #expect(a != b)
        #expect(Schnorr.verify(signature64: a, message: msg, xOnlyPublicKey32: TestKeys.alice.publicKeyBytes))
        #expect(Schnorr.verify(signature64: b, message: msg, xOnlyPublicKey32: TestKeys.alice.publicKeyBytes))
    }
}
