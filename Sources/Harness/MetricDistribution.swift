import Foundation

/// One metric's values over a scenario's runs, in bounded memory: a sweep's memory must
/// not grow with its number of seeds.
///
/// While the values take at most `exactLimit` distinct values (counts of events, and
/// latencies over a thousand seeds), every value is kept with its multiplicity and the
/// statistics are exactly those of the full list. Beyond that the values fold into
/// logarithmic buckets (each spanning a factor `gamma`, so a percentile read from one is
/// within `relativeAccuracy` of a value in it): the maximum stays exact, the mean becomes a
/// running sum (exact but for floating-point rounding), the percentiles become estimates
/// and say so. NaN values are counted apart and kept out of every statistic.
public struct MetricDistribution: Sendable, Equatable {
    public static let exactLimit = 2048
    public static let relativeAccuracy = 0.005
    static let gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy)
    static let logGamma = log(gamma)

    public private(set) var count = 0
    /// NaN values (no metric makes one): counted here, kept out of every statistic.
    public private(set) var nanCount = 0
    /// Value → how many runs had it, while exact.
    private var exact: [Double: Int] = [:]
    /// Once folded: bucket index → count, for positive values and for the magnitudes of negative ones.
    private var positive: [Int: Int] = [:]
    private var negative: [Int: Int] = [:]
    private var zeros = 0
    private var negativeInfinities = 0
    private var positiveInfinities = 0
    private var sum = 0.0
    private var smallest = Double.infinity
    private var largest = -Double.infinity
    public private(set) var isExact = true

    public init() {}
    public init<S: Sequence>(_ values: S) where S.Element == Double { for v in values { add(v) } }

    public mutating func add(_ value: Double) {
        if value.isNaN {
            nanCount += 1
            return
        }
        count += 1
        smallest = Swift.min(smallest, value)
        largest = Swift.max(largest, value)
        if isExact {
            exact[value, default: 0] += 1
            if exact.count > Self.exactLimit { fold() }
        } else {
            sum += value
            addToBucket(value, times: 1)
        }
    }

    /// Leaves exact mode: the running sum starts from the exact values in ascending order.
    private mutating func fold() {
        sum = exactSum
        for (v, n) in exact { addToBucket(v, times: n) }
        exact = [:]
        isExact = false
    }

    private mutating func addToBucket(_ value: Double, times n: Int) {
        if value == 0 {
            zeros += n
        } else if value.isInfinite {
            if value > 0 { positiveInfinities += n } else { negativeInfinities += n }
        } else if value > 0 {
            positive[Self.bucket(value), default: 0] += n
        } else {
            negative[Self.bucket(-value), default: 0] += n
        }
    }

    static func bucket(_ magnitude: Double) -> Int { Int((log(magnitude) / logGamma).rounded(.up)) }
    /// The value a bucket stands for: within `relativeAccuracy` of everything in it.
    static func representative(_ bucket: Int) -> Double { 2 * pow(gamma, Double(bucket)) / (gamma + 1) }

    /// The sum of the exact values, added in ascending order (as a sorted list would be).
    private var exactSum: Double {
        var total = 0.0
        for v in exact.keys.sorted() { for _ in 0..<exact[v]! { total += v } }
        return total
    }

    public var mean: Double {
        guard count > 0 else { return 0 }
        return (isExact ? exactSum : sum) / Double(count)
    }
    public var max: Double { count > 0 ? largest : 0 }
    /// Every value added up (in ascending order while exact).
    public var total: Double { isExact ? exactSum : sum }

    /// The value at rank `round(q·(count−1))` of the ascending list (a bucket's
    /// representative once folded, clamped to the exact minimum and maximum).
    public func quantile(_ q: Double) -> Double {
        guard count > 0 else { return 0 }
        let rank = Swift.min(count - 1, Int((q * Double(count - 1)).rounded()))
        var seen = 0
        if isExact {
            for v in exact.keys.sorted() {
                seen += exact[v]!
                if seen > rank { return v }
            }
            return largest
        }
        // Ascending: -inf, negative buckets by falling magnitude, zero, positive buckets, +inf.
        var ordered: [(Double, Int)] = [(-Double.infinity, negativeInfinities)]
        for b in negative.keys.sorted(by: >) { ordered.append((-Self.representative(b), negative[b]!)) }
        ordered.append((0, zeros))
        for b in positive.keys.sorted() { ordered.append((Self.representative(b), positive[b]!)) }
        ordered.append((Double.infinity, positiveInfinities))
        for (v, n) in ordered {
            seen += n
            if seen > rank { return Swift.min(largest, Swift.max(smallest, v)) }
        }
        return largest
    }

    public var stats: MetricStats {
        var s = MetricStats(mean: mean, max: max)
        s.p50 = quantile(0.5)
        s.p99 = quantile(0.99)
        s.percentilesExact = isExact
        return s
    }

    /// How many entries are kept (bounded by `exactLimit` plus the buckets' span).
    public var storedEntries: Int { exact.count + positive.count + negative.count }
}
