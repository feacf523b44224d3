/// Math that gives the same bits on every platform: only IEEE-754 basic operations
/// (+ − × ÷, correctly rounded everywhere), never the C library's `log`.
public enum DeterministicMath {
    static let ln2 = 0.693147180559945309417232121458176568

    /// Natural logarithm for x > 0 (returns -infinity for 0 and nan below).
    public static func ln(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return .infinity }
        var e = Double(x.exponent)
        var m = x.significand  // in [1, 2)
        if m > 1.4142135623730951 {
            m /= 2
            e += 1
        }
        // ln m = 2 atanh(z), z = (m-1)/(m+1), |z| < 0.172: 30 terms are far past double precision.
        let z = (m - 1) / (m + 1)
        let z2 = z * z
        var term = z
        var sum = 0.0
        for k in 0..<30 {
            sum += term / Double(2 * k + 1)
            term *= z2
        }
        return 2 * sum + e * ln2
    }
}
