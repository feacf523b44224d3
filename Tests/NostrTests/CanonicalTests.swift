import Crypto
import Testing

@testable import Nostr

@Suite struct HexTests {
    @Test func encodeIsLowercase() {
        #expect(Hex.encode([0x00, 0x0f, 0xab, 0xff]) == "000fabff")
        #expect(Hex.encode([]) == "")
    }

    @Test func decodeAcceptsBothCases() {
        #expect(Hex.decode("00ABff") == [0x00, 0xab, 0xff])
        #expect(Hex.decode("") == [])
    }

    @Test func decodeRejectsBadInput() {
        #expect(Hex.decode("abc") == nil)  // odd length
        #expect(Hex.decode("zz") == nil)  // not hex
        #expect(Hex.decode("0x00") == nil)  // prefix
        #expect(Hex.decode("é0") == nil)  // non-ASCII
        #expect(Hex.decode(" 00") == nil)
    }

    @Test func lowercaseCheck() {
        #expect(Hex.isLowercaseHex("00ab", length: 4))
        #expect(!Hex.isLowercaseHex("00AB", length: 4))
        #expect(!Hex.isLowercaseHex("00ab", length: 6))
    }

    @Test func roundTrip() {
        var rng = SplitMix64(seed: 3)
        for n in 0..<40 {
            let bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            #expect(Hex.decode(Hex.encode(bytes)) == bytes)
            #expect(Hex.decode(Hex.encode(bytes).uppercased()) == bytes)
        }
    }
}

@Suite struct CanonicalTests {
    static let pubkey = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    /// Every escapable character, other control characters (NUL, US, ESC), DEL (raw),
    /// `/` (raw), non-ASCII and an emoji.
    static let content = "q\" bs\\ nl\n cr\r tab\t bs\u{8} ff\u{c} nul\u{0} us\u{1f} esc\u{1b} del\u{7f} slash/ é 日本 🎉"
    static let tags = [["t", "a/b"], ["e", "x\"y"]]

    /// Written out by hand from NIP-01's rules.
    static let expectedCanonical =
        #"[0,"79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",1700000000,1,[["t","a/b"],["e","x\"y"]],"#
        + #""q\" bs\\ nl\n cr\r tab\t bs\b ff\f nul\u0000 us\u001f esc\u001b del"# + "\u{7f}"
        + #" slash/ é 日本 🎉"]"#
    /// sha256 of expectedCanonical, computed independently with python3 hashlib.
    static let expectedID = "dba91ef26de086a3f9e6bbffd89aaa6fb2a0351db4e88b5d608550ac8ac45fe9"

    @Test func canonicalBytesExact() {
        let bytes = NostrEvent.canonicalBytes(
            pubkey: Self.pubkey, createdAt: 1_700_000_000, kind: 1,
            tags: Self.tags, content: Self.content)
        #expect(String(decoding: bytes, as: UTF8.self) == Self.expectedCanonical)
        #expect(bytes == Array(Self.expectedCanonical.utf8))
    }

    @Test func idMatchesIndependentHash() {
        let id = NostrEvent.computeID(
            pubkey: Self.pubkey, createdAt: 1_700_000_000, kind: 1,
            tags: Self.tags, content: Self.content)
        #expect(id == Self.expectedID)
        #expect(id == Hex.encode(Array(SHA256.hash(data: Array(Self.expectedCanonical.utf8)))))
    }

    @Test func emptyEvent() {
        let s = String(
            decoding: NostrEvent.canonicalBytes(pubkey: "ab", createdAt: 0, kind: 0, tags: [], content: ""),
            as: UTF8.self)
        #expect(s == #"[0,"ab",0,0,[],""]"#)
    }

    @Test func emptyTagAndNumbers() {
        let s = String(
            decoding: NostrEvent.canonicalBytes(
                pubkey: "p", createdAt: Int64.max, kind: 65535,
                tags: [[], ["x"]], content: "c"), as: UTF8.self)
        #expect(s == #"[0,"p",9223372036854775807,65535,[[],["x"]],"c"]"#)
    }

    @Test func everyControlCharacter() {
        let named: [UInt8: String] = [0x08: "\\b", 0x09: "\\t", 0x0a: "\\n", 0x0c: "\\f", 0x0d: "\\r"]
        for c in UInt8(0)..<0x20 {
            let s = String(decoding: [c], as: UTF8.self)
            let out = String(
                decoding: NostrEvent.canonicalBytes(pubkey: "", createdAt: 0, kind: 0, tags: [], content: s),
                as: UTF8.self)
            let hex = String(c, radix: 16)
            let expected = named[c] ?? "\\u00" + (hex.count == 1 ? "0" + hex : hex)
            #expect(out == #"[0,"",0,0,[],""# + expected + #""]"#, "control \(c)")
        }
    }

    @Test func computedIDOfEventIgnoresStoredID() {
        let e = NostrEvent(
            id: "bogus", pubkey: Self.pubkey, createdAt: 1_700_000_000, kind: 1, tags: Self.tags,
            content: Self.content, sig: "")
        #expect(e.computedID == Self.expectedID)
        #expect(e.canonicalBytes == Array(Self.expectedCanonical.utf8))
    }

    @Test func changingAnyFieldChangesID() {
        let base = NostrEvent.computeID(pubkey: Self.pubkey, createdAt: 1, kind: 1, tags: [["a", "b"]], content: "x")
        #expect(
            base != NostrEvent.computeID(pubkey: Self.pubkey, createdAt: 2, kind: 1, tags: [["a", "b"]], content: "x"))
        #expect(
            base != NostrEvent.computeID(pubkey: Self.pubkey, createdAt: 1, kind: 2, tags: [["a", "b"]], content: "x"))
        #expect(
            base != NostrEvent.computeID(pubkey: Self.pubkey, createdAt: 1, kind: 1, tags: [["a", "c"]], content: "x"))
        #expect(
            base
                != NostrEvent.computeID(pubkey: Self.pubkey, createdAt: 1, kind: 1, tags: [["a"], ["b"]], content: "x"))
        #expect(
            base != NostrEvent.computeID(pubkey: Self.pubkey, createdAt: 1, kind: 1, tags: [["a", "b"]], content: "y"))
    }
}
