import Testing

@testable import Nostr

/// Random and mutated inputs must produce a value or an error — never a crash — and
/// whatever parses must re-serialize to something that parses to the same value.
@Suite struct FuzzTests {
    static let seeds: [String] = {
        let e = EventJSONTests.event
        return [
            ClientMessage.event(e).json,
            ClientMessage.req(
                subID: "sub", filters: [Filter(ids: [e.id], kinds: [1, 2], tags: ["a": ["x"]], since: 1, limit: 3)]
            ).json,
            ClientMessage.close(subID: "sub").json,
            RelayMessage.event(subID: "sub", e).json,
            RelayMessage.ok(eventID: e.id, accepted: false, message: "invalid: x").json,
            RelayMessage.eose(subID: "sub").json,
            RelayMessage.closed(subID: "sub", message: "m").json,
            RelayMessage.notice("n").json,
            #"{"a":[1,-2.5e-3,"\u00e9\ud83c\udf89",true,false,null,{}]}"#,
        ]
    }()

    static func exercise(_ bytes: [UInt8]) -> Int {
        var parsed = 0
        if let v = try? JSONValue.parse(bytes: bytes) {
            parsed += 1
            // Writer output must parse back to the same value.
            #expect((try? JSONValue.parse(bytes: v.jsonBytes)) == v)
            if let e = try? NostrEvent(jsonValue: v) {
                _ = e.isValid
                _ = e.json
            }
            if let f = try? Filter(jsonValue: v) { #expect((try? Filter.parse(json: f.json)) == f) }
        }
        let text = String(decoding: bytes, as: UTF8.self)
        if let m = try? ClientMessage.parse(text) {
            parsed += 1
            #expect((try? ClientMessage.parse(m.json)) == m)
        }
        if let m = try? RelayMessage.parse(text) {
            parsed += 1
            #expect((try? RelayMessage.parse(m.json)) == m)
        }
        _ = try? Bech32.decode(text)
        return parsed
    }

    @Test func randomBytes() {
        var rng = SplitMix64(seed: 0xF00D)
        let alphabet =
            Array(#"[]{}",:0123456789-+.eE\/truefalsn uUabcdef"#.utf8) + [0x00, 0x0a, 0xc3, 0xa9, 0xff, 0xed, 0xf0]
        for i in 0..<3000 {
            let n = Int.random(in: 0...64, using: &rng)
            let bytes: [UInt8] = (0..<n).map { _ in
                i % 2 == 0 ? UInt8.random(in: 0...255, using: &rng) : alphabet.randomElement(using: &rng)!
            }
            _ = Self.exercise(bytes)
        }
    }

    @Test func truncationsAndMutationsOfValidMessages() {
        var rng = SplitMix64(seed: 0xBEEF)
        var fullParses = 0
        for seed in Self.seeds {
            let b = Array(seed.utf8)
            fullParses += Self.exercise(b) > 0 ? 1 : 0
            // Every prefix.
            for cut in 0..<b.count {
                let prefix = Array(b[..<cut])
                #expect((try? JSONValue.parse(bytes: prefix)) == nil, "proper prefix parsed")
                _ = Self.exercise(prefix)
            }
            // Random byte flips, insertions and deletions.
            for _ in 0..<300 {
                var m = b
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let pos = Int.random(in: 0..<max(m.count, 1), using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0 where !m.isEmpty: m[pos] = UInt8.random(in: 0...255, using: &rng)
                    case 1: m.insert(UInt8.random(in: 0...255, using: &rng), at: min(pos, m.count))
                    default: if !m.isEmpty { m.remove(at: pos) }
                    }
                }
                _ = Self.exercise(m)
            }
        }
        #expect(fullParses == Self.seeds.count)
    }

    @Test func deepNestingDoesNotOverflow() {
        for n in [63, 64, 65, 1000, 200_000] {
            let s = String(repeating: "[", count: n) + String(repeating: "]", count: n)
            let result = try? JSONValue.parse(s)
            #expect((result != nil) == (n <= 64))
            _ = try? ClientMessage.parse(s)
        }
    }
}
