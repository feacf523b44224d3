import Foundation
import Harness
import SimKernel
import Testing

/// A metric's distribution over seeds is exact while it is small, bounded when it is not,
/// and its estimates stay within the stated accuracy.
@Suite struct MetricDistributionTests {
    /// The statistics a full sorted list gives (what reports showed before the
    /// distribution was bounded).
    static func reference(_ values: [Double]) -> (mean: Double, p50: Double, p99: Double, max: Double) {
        let sorted = values.sorted()
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded()))] }
        return (sorted.reduce(0, +) / Double(sorted.count), at(0.5), at(0.99), sorted.last!)
    }

    @Test func smallDistributionsGiveExactlyTheSortedListsStatistics() {
        var rng = Xoshiro256StarStar(seed: 5)
        for trial in 0..<200 {
            let n = 1 + Int(rng.next() % 700)
            // Counts (many repeats) in some trials, fractional latencies in others.
            let values: [Double] = (0..<n).map { _ in
                trial % 2 == 0 ? Double(rng.next() % 9) : Double(rng.next() % 1_000_000) / 997
            }
            let d = MetricDistribution(values)
            let want = Self.reference(values)
            #expect(d.isExact)
            #expect(d.count == n)
            #expect(d.mean == want.mean)
            #expect(d.quantile(0.5) == want.p50)
            #expect(d.quantile(0.99) == want.p99)
            #expect(d.max == want.max)
            #expect(d.stats.percentilesExact)
        }
    }

    @Test func anEmptyDistributionReadsZero() {
        let d = MetricDistribution()
        #expect(d.mean == 0 && d.max == 0 && d.quantile(0.5) == 0)
    }

    @Test func manyDistinctValuesFoldIntoBoundedBucketsWithinTheStatedAccuracy() {
        var rng = Xoshiro256StarStar(seed: 9)
        // Latencies from a millisecond to a thousand seconds, zeros included.
        let values: [Double] = (0..<60_000).map { i in
            i % 17 == 0 ? 0 : pow(10, Double(rng.next() % 1_000_000) / 1_000_000 * 6 - 3)
        }
        let d = MetricDistribution(values)
        let want = Self.reference(values)
        #expect(!d.isExact)
        #expect(!d.stats.percentilesExact)
        #expect(d.count == values.count)
        #expect(d.max == want.max)
        #expect(abs(d.mean - want.mean) <= 1e-9 * want.mean)
        for (q, exact) in [(0.5, want.p50), (0.99, want.p99)] {
            let estimate = d.quantile(q)
            #expect(abs(estimate - exact) <= MetricDistribution.relativeAccuracy * exact * 1.0001, "q \(q)")
        }
        // Six decades at 1 % per bucket: well under two thousand buckets, whatever the count.
        #expect(d.storedEntries < 1_500)
    }

    @Test func memoryStaysFlatAsValuesKeepComing() {
        var d = MetricDistribution()
        var sizes: [Int] = []
        for _ in 0..<4 {
            for i in 0..<50_000 { d.add(Double(i) * 0.002 + 0.5) }
            sizes.append(d.storedEntries)
        }
        #expect(Set(sizes).count == 1, "stored entries kept growing: \(sizes)")
    }

    @Test func nanIsCountedApartAndInfinitiesSortAtTheEnds() {
        var d = MetricDistribution([1, .nan, 2, 3])
        #expect(d.nanCount == 1)
        #expect(d.count == 3)
        #expect(d.quantile(0.5) == 2)
        #expect(d.max == 3)
        // Folded: infinities stay at the ends of the order.
        for i in 0..<3_000 { d.add(Double(i) + 0.5) }
        d.add(.infinity)
        d.add(-.infinity)
        #expect(!d.isExact)
        #expect(d.quantile(0) == -.infinity)
        #expect(d.quantile(1) == .infinity)
        #expect(d.max == .infinity)
    }

    @Test func anEstimatedPercentileIsMarkedInText() {
        #expect(Report.percentileText(2.5, "s", exact: false) == "≈2.50 s")
        #expect(Report.percentileText(2.5, "s", exact: true) == "2.50 s")
        #expect(Report.percentileText(.nan, "s", exact: false) == "n/a")
    }
}
