import Testing

@testable import SimKernel

/// A line written through `TraceText` (the kernel's network records in a sweep) hashes
/// exactly as the same record appended whole.
@Suite struct TraceTextTests {
    struct Label: SimMessage {
        var traceLabel: String
    }

    @Test func writtenLinesHashLikeRecords() {
        var rng = SplitMix64(seed: 7)
        let words = ["", "relay#0", "lock SET lock:x a:1:2 NX PX 30000", "é", "a b", "k=v", "\n", "ünïcødé ✓"]
        let written = Trace()
        let appended = Trace()
        for i in 0..<500 {
            let time = SimTime(nanoseconds: i == 3 ? -5 : Int64(rng.next() % 1_000_000_000_000))
            let node = words[Int(rng.next() % UInt64(words.count))]
            let from = words[Int(rng.next() % UInt64(words.count))]
            let label = Label(traceLabel: words[Int(rng.next() % UInt64(words.count))])
            written.appendLine(time: time, node: node, kind: "net.recv") { line in
                line.field("from")
                line.write(from)
                line.field("msg")
                label.writeTraceLabel(&line)
            }
            appended.append(
                TraceRecord(
                    time: time, node: node, kind: "net.recv", fields: [("from", from), ("msg", label.traceLabel)]))
        }
        #expect(written.hashHex == appended.hashHex)
        #expect(written.count == appended.count)
    }

    @Test func numbersAreWrittenAsInterpolated() {
        for n: Int64 in [0, 7, -7, 10, 1_000_000, Int64.max, Int64.min, Int64.min + 1] {
            var t = TraceText(bytes: [])
            t.write(n)
            #expect(String(decoding: t.bytes, as: UTF8.self) == "\(n)")
        }
        for n: UInt64 in [0, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max] {
            var t = TraceText(bytes: [])
            t.write(n)
            #expect(String(decoding: t.bytes, as: UTF8.self) == "\(n)")
        }
    }

    /// A trace that keeps records must get records, never bare lines.
    @Test func keepingTracesSayTheyKeepRecords() {
        #expect(Trace(keepRecords: true).keepsRecords)
        #expect(!Trace().keepsRecords)
        let sunk = Trace()
        sunk.sink = { _ in }
        #expect(sunk.keepsRecords)
    }
}
