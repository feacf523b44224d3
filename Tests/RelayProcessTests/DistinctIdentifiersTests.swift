import SimKernel
import Testing

@testable import RelayProcess

/// A maintenance cycle visits each identifier once, in first-seen order, whether the
/// replica holds a few (linear scan) or many (set).
@Suite struct DistinctIdentifiersTests {
    @Test func matchesAFilterThroughASet() {
        var rng = SplitMix64(seed: 7)
        for count in [0, 1, 2, 5, 16, 17, 40] {
            for _ in 0..<50 {
                let ids = (0..<count).map { _ in "r\(rng.next() % 12)" }
                var seen = Set<String>()
                #expect(Replication.distinct(ids) == ids.filter { seen.insert($0).inserted }, "\(ids)")
            }
        }
        // Canonically equivalent spellings are one identifier either way, as String equality says.
        #expect(Replication.distinct(["caf\u{E9}", "cafe\u{301}", "x"]) == ["caf\u{E9}", "x"])
    }
}
