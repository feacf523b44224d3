import Crypto
import Testing

@testable import Nostr

@Suite struct Bech32Tests {
    static let pubkey = "3bf0c63fcb93463407af97a5e5ee64fa883d107ef9e558472c4eb9aaaefa459d"
    static let npub = "npub180cvv07tjdrrgpa0j7j7tmnyl2yr6yr7l8j4s3evf6u64th6gkwsyjh6w6"
    // NIP-19's nsec example.
    static let secret = "67dea2ed018072d675f5415ecfaed7d2597555e202d85b3d65ea4e58d2d92ffa"
    static let nsec = "nsec1vl029mgpspedva04g90vltkh6fvh240zqtv9k0t9af8935ke9laqsnlfe5"

    @Test func knownNpub() throws {
        #expect(try PublicKey.npub(fromHex: Self.pubkey) == Self.npub)
        #expect(try PublicKey.hex(fromNpub: Self.npub) == Self.pubkey)
        #expect(Bech32.encode(hrp: "npub", data: hexBytes(Self.pubkey)) == Self.npub)
        // Upper case is a valid bech32 form too.
        #expect(try PublicKey.hex(fromNpub: Self.npub.uppercased()) == Self.pubkey)
    }

    @Test func knownNsec() throws {
        let kp = try KeyPair(nsec: Self.nsec)
        #expect(kp.secretKey.hex == Self.secret)
        #expect(kp.nsec == Self.nsec)
        #expect(try KeyPair(secretHex: Self.secret) == kp)
    }

    @Test func roundTrips() throws {
        var rng = SplitMix64(seed: 19)
        for n in [0, 1, 5, 20, 32, 33, 64] {
            let data = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let s = Bech32.encode(hrp: "test", data: data)
            let d = try Bech32.decode(s)
            #expect(d.hrp == "test")
            #expect(d.data == data)
        }
        for i in 0..<10 {
            let kp = KeyPair.deterministic(name: "rt\(i)", salt: 1)
            #expect(try PublicKey.hex(fromNpub: kp.npub) == kp.publicKey)
            #expect(try KeyPair(nsec: kp.nsec) == kp)
        }
    }

    @Test func badChecksum() {
        var chars = Array(Self.npub)
        chars[chars.count - 1] = chars.last == "6" ? "7" : "6"
        #expect(throws: Bech32Error.badChecksum) { try Bech32.decode(String(chars)) }
        #expect(throws: KeyError.bech32(.badChecksum)) { try PublicKey.hex(fromNpub: String(chars)) }
        // A data character changed in the middle.
        chars = Array(Self.npub)
        chars[10] = chars[10] == "q" ? "p" : "q"
        #expect(throws: Bech32Error.badChecksum) { try Bech32.decode(String(chars)) }
    }

    @Test func wrongHRP() {
        #expect(throws: KeyError.wrongHRP(expected: "npub", got: "nsec")) { try PublicKey.hex(fromNpub: Self.nsec) }
        #expect(throws: KeyError.wrongHRP(expected: "nsec", got: "npub")) { try KeyPair(nsec: Self.npub) }
    }

    @Test func mixedCase() {
        let s = "NPUB" + Self.npub.dropFirst(4)
        #expect(throws: Bech32Error.mixedCase) { try Bech32.decode(s) }
        #expect(throws: KeyError.bech32(.mixedCase)) { try PublicKey.hex(fromNpub: s) }
    }

    @Test func badCharacter() {
        // 'b', 'i', 'o' and '1' (after the separator) are not in the alphabet.
        let s = String(Self.npub.prefix(10)) + "b" + String(Self.npub.dropFirst(11))
        #expect(throws: Bech32Error.badCharacter("b")) { try Bech32.decode(s) }
        let t = String(Self.npub.prefix(10)) + "é" + String(Self.npub.dropFirst(11))
        #expect(throws: Bech32Error.badCharacter("é")) { try Bech32.decode(t) }
        #expect(throws: Bech32Error.badHRPCharacter(" ")) { try Bech32.decode("n pub1qqqqqq") }
    }

    @Test func structuralErrors() {
        #expect(throws: Bech32Error.missingSeparator) { try Bech32.decode("npubqqqqqqqq") }
        #expect(throws: Bech32Error.emptyHRP) { try Bech32.decode("1qqqqqqqq") }
        #expect(throws: Bech32Error.tooShort) { try Bech32.decode("npub1qqqq") }
        #expect(throws: Bech32Error.tooLong(20)) { try Bech32.decode(String(repeating: "q", count: 20), maxLength: 10) }
    }

    @Test func wrongLength() {
        // 31 bytes with a valid checksum: rejected as the wrong key length.
        let short = Bech32.encode(hrp: "npub", data: [UInt8](repeating: 0, count: 31))
        #expect(short == "npub1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqkxnxjx")
        #expect(throws: KeyError.wrongLength(expected: 32, got: 31)) { try PublicKey.hex(fromNpub: short) }
        let long = Bech32.encode(hrp: "nsec", data: [UInt8](repeating: 1, count: 33))
        #expect(throws: KeyError.wrongLength(expected: 32, got: 33)) { try KeyPair(nsec: long) }
    }

    @Test func invalidKeys() {
        // x = p + 1 is not a field element; all-zero secret is out of range.
        let badX = [UInt8](repeating: 0xff, count: 32)
        #expect(throws: KeyError.invalidKey) { try PublicKey.hex(fromNpub: Bech32.encode(hrp: "npub", data: badX)) }
        #expect(throws: KeyError.invalidKey) {
            try KeyPair(nsec: Bech32.encode(hrp: "nsec", data: [UInt8](repeating: 0, count: 32)))
        }
        #expect(throws: KeyError.invalidKey) { try PublicKey.npub(fromHex: Hex.encode(badX)) }
        #expect(throws: KeyError.badHex) { try PublicKey.npub(fromHex: "zz") }
    }
}

@Suite struct KeyPairTests {
    @Test func secretKeyRange() {
        let n = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141"  // curve order
        let nMinus1 = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"
        #expect(throws: KeyError.invalidKey) { try SecretKey(hex: n) }
        #expect(throws: KeyError.invalidKey) { try SecretKey(hex: String(repeating: "0", count: 64)) }
        #expect(throws: KeyError.wrongLength(expected: 32, got: 31)) {
            try SecretKey(hex: String(repeating: "1", count: 62))
        }
        #expect(throws: KeyError.badHex) { try SecretKey(hex: "xy") }
        #expect((try? SecretKey(hex: nMinus1)) != nil)
    }

    @Test func secretOneHasGeneratorX() throws {
        let kp = try KeyPair(secretHex: String(repeating: "0", count: 63) + "1")
        #expect(kp.publicKey == "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
        #expect(PublicKey.isValid(hex: kp.publicKey))
        #expect(!PublicKey.isValid(hex: kp.publicKey.uppercased()))
    }

    @Test func deterministicKeys() {
        let a1 = KeyPair.deterministic(name: "alice", salt: 1)
        let a2 = KeyPair.deterministic(name: "alice", salt: 1)
        #expect(a1 == a2)
        #expect(a1.publicKey == a2.publicKey)
        #expect(a1 != KeyPair.deterministic(name: "alice", salt: 2))
        #expect(a1 != KeyPair.deterministic(name: "bob", salt: 1))
        // The secret is SHA-256 of the documented domain-separated string.
        #expect(
            a1.secretKey.hex
                == Hex.encode(
                    Array(Crypto.SHA256.hash(data: Array("graspsim/nostr-key/v1\u{0}1\u{0}0\u{0}alice".utf8)))))
        #expect(a1.publicKey.count == 64)
        #expect(!a1.description.contains(a1.secretKey.hex))
    }
}
