import Testing

@testable import SimKernel

/// The rolling trace hash is computed from bytes, without building each canonical line;
/// it must equal the hash of the canonical lines themselves (so trace hashes never change).
@Suite struct TraceHashTests {
    @Test func byteHashEqualsTheCanonicalLinesHash() {
        var rng = SplitMix64(seed: 42)
        var records: [TraceRecord] = []
        let words = ["", "relay#0", "lock.grant", "é", "a b", "k=v", "\n", "0", "-", "ünïcødé ✓"]
        for i in 0..<2_000 {
            let time = i % 7 == 0 ? -Int64(rng.next() % 1_000_000) : Int64(rng.next() % UInt64(Int64.max))
            let fields = (0..<Int(rng.next() % 4)).map { _ in
                (words[Int(rng.next() % UInt64(words.count))], words[Int(rng.next() % UInt64(words.count))])
            }
            records.append(
                TraceRecord(
                    time: SimTime(nanoseconds: i == 0 ? 0 : (i == 1 ? Int64.min + 1 : time)),
                    node: words[Int(rng.next() % UInt64(words.count))], kind: "k\(i)", fields: fields))
        }
        // Records are hashed in batches: read the hash mid-way too (it must flush the batch),
        // at lengths on both sides of a batch boundary.
        let trace = Trace()
        for (i, r) in records.enumerated() {
            trace.append(r)
            if [0, 1, 99, 100, 101, 1_234].contains(i) {
                #expect(trace.hashHex == Trace.referenceHash(Array(records[...i])), "after record \(i)")
            }
        }
        #expect(trace.hashHex == Trace.referenceHash(records))
        #expect(trace.count == records.count)
    }
}
