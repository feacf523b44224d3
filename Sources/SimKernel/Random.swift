/// Deterministic random numbers: SplitMix64 seeds xoshiro256**, and named
/// sub-streams are derived from (seed, name) so that drawing more numbers from one
/// component's stream never shifts another component's numbers.

/// SplitMix64 (Steele, Lea, Flood). Used to expand one 64-bit seed into state.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    @inlinable public init(seed: UInt64) { state = seed }
    @inlinable public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman, Vigna).
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    @inlinable public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
    }

    @inlinable public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inlinable func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

extension RandomNumberGenerator {
    /// Uniform integer in 0..<bound without modulo bias (Lemire's method).
    /// Written here rather than using the standard library so the drawn values can
    /// never change with a Swift version.
    @inlinable public mutating func below(_ bound: UInt64) -> UInt64 {
        precondition(bound > 0, "below(0)")
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return m.high
    }

    /// Uniform integer in the closed range.
    @inlinable public mutating func int(in range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
        if span == 0 { return Int64(bitPattern: next()) }  // the full 64-bit range
        return range.lowerBound &+ Int64(bitPattern: below(span))
    }

    /// A duration drawn uniformly from `range` (the same draw as `int(in:)` over nanoseconds).
    @inlinable public mutating func duration(in range: ClosedRange<SimDuration>) -> SimDuration {
        SimDuration(nanoseconds: int(in: range.lowerBound.nanoseconds...range.upperBound.nanoseconds))
    }

    @inlinable public mutating func int(in range: Range<Int>) -> Int {
        Int(int(in: Int64(range.lowerBound)...Int64(range.upperBound - 1)))
    }

    /// Uniform double in [0, 1) with 53 bits of precision.
    @inlinable public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// True with probability `p` (p <= 0 never draws true, p >= 1 always).
    @inlinable public mutating func chance(_ p: Double) -> Bool {
        if p <= 0 { return false }
        if p >= 1 { return true }
        return unit() < p
    }

    /// Fisher–Yates shuffle with this generator's draws.
    @inlinable public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = Int(below(UInt64(i + 1)))
            if i != j { array.swapAt(i, j) }
        }
    }
}

/// A family of independent random streams for one run.
public struct RandomStreams: Sendable {
    public let seed: UInt64
    public init(seed: UInt64) { self.seed = seed }

    /// The stream for `name`. Calling twice with the same name restarts that stream.
    public func stream(_ name: String) -> Xoshiro256StarStar {
        Xoshiro256StarStar(seed: Self.mix(seed, Self.fnv1a(name)))
    }

    /// FNV-1a 64 over UTF-8: a stable name hash (Swift's `hashValue` is seeded per process).
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    static func mix(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var sm = SplitMix64(seed: a ^ (b &* 0x9E37_79B9_7F4A_7C15))
        return sm.next()
    }
}
