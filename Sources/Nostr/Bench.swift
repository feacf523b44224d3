/// Workloads for `graspsim bench` (the CLI does the timing).
public enum NostrBench {
    private static let signer = KeyPair.deterministic(name: "bench", salt: 0)
    private static let poolSize = 1024

    /// Events for `verify`, signed once on first use (call `prepare()` before timing).
    private static let pool: [NostrEvent] = (0..<poolSize).map { i in
        let k = KeyPair.deterministic(name: "bench-\(i % 16)", salt: 1)
        return NostrEvent.signed(
            kind: 1, tags: [["t", "bench"]], content: "verify \(i)",
            createdAt: 1_700_000_000 + Int64(i), keyPair: k,
            auxRand: aux(UInt64(i)))
    }

    private static func aux(_ i: UInt64) -> [UInt8] {
        var x = i &* 0x9E37_79B9_7F4A_7C15
        return (0..<32).map { _ in
            x = x &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: x >> 56)
        }
    }

    /// Builds the verification pool so `verify` times only verification.
    public static func prepare() { _ = pool.count }

    /// Builds and signs `count` distinct events (id hashing + BIP-340). Returns a checksum.
    public static func sign(count: Int) -> Int {
        var acc = 0
        for i in 0..<count {
            let e = NostrEvent.signed(
                kind: 1, content: "sign \(i)", createdAt: 1_700_000_000 + Int64(i),
                keyPair: signer, auxRand: aux(UInt64(i)))
            acc = acc &+ Int(e.sig.utf8.last!) &+ Int(e.id.utf8.first!)
        }
        return acc
    }

    /// Fully validates (`validate()`: hex checks, id recomputation, signature) `count`
    /// events, cycling over a pool of 1,024 distinct signed events. Returns the number valid.
    public static func verify(count: Int) -> Int {
        let p = pool
        var ok = 0
        for i in 0..<count where (try? p[i % p.count].validate(memo: false)) != nil { ok += 1 }
        return ok
    }
}
