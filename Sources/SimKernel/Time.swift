/// Virtual time: signed nanoseconds since the start of a run. Durations use the same
/// unit. Integer time keeps every run bit-exact across builds and machines.
public typealias SimTime = Int64
public typealias SimDuration = Int64

public enum Time {
    public static let nanosecond: SimDuration = 1
    public static let microsecond: SimDuration = 1_000
    public static let millisecond: SimDuration = 1_000_000
    public static let second: SimDuration = 1_000_000_000
    public static let minute: SimDuration = 60 * second
    public static let hour: SimDuration = 60 * minute
    public static let day: SimDuration = 24 * hour

    @inlinable public static func ms(_ v: Int64) -> SimDuration { v * 1_000_000 }
    @inlinable public static func s(_ v: Int64) -> SimDuration { v * 1_000_000_000 }
    @inlinable public static func min(_ v: Int64) -> SimDuration { v * 60_000_000_000 }

    /// Human form used in traces and reports: `12m03.250s`, `450ms`, `1h02m00.000s`.
    public static func format(_ t: SimTime) -> String {
        let neg = t < 0
        let a = neg ? -t : t
        var out: String
        if a < second {
            if a % millisecond == 0 { out = "\(a / millisecond)ms" }
            else { out = "\(a / microsecond)us" }
        } else {
            let totalMs = a / millisecond
            let ms = totalMs % 1000
            let totalS = totalMs / 1000
            let s = totalS % 60
            let m = (totalS / 60) % 60
            let h = totalS / 3600
            let msStr = ms < 10 ? "00\(ms)" : (ms < 100 ? "0\(ms)" : "\(ms)")
            let sStr = s < 10 ? "0\(s)" : "\(s)"
            if h > 0 {
                let mStr = m < 10 ? "0\(m)" : "\(m)"
                out = "\(h)h\(mStr)m\(sStr).\(msStr)s"
            } else if m > 0 {
                out = "\(m)m\(sStr).\(msStr)s"
            } else {
                out = "\(s).\(msStr)s"
            }
        }
        return neg ? "-" + out : out
    }
    /// Parses `250ms`, `30s`, `5m`, `2h`, `1d`, `1h30m` or `0`; nil when malformed.
    public static func parse(_ text: String) -> SimDuration? {
        let s = Array(trim(text).utf8)
        if s == Array("0".utf8) { return 0 }
        if s.isEmpty { return nil }
        var i = 0
        var total: SimDuration = 0
        while i < s.count {
            var n: Int64 = 0
            var digits = 0
            while i < s.count, s[i] >= 48, s[i] <= 57 {
                n = n * 10 + Int64(s[i] - 48); i += 1; digits += 1
                if n > 1_000_000_000_000 { return nil }
            }
            if digits == 0 { return nil }
            var unit = ""
            while i < s.count, (s[i] >= 97 && s[i] <= 122) { unit.append(Character(UnicodeScalar(s[i]))); i += 1 }
            switch unit {
            case "ns": total += n
            case "us": total += n * microsecond
            case "ms": total += n * millisecond
            case "s": total += n * second
            case "m": total += n * minute
            case "h": total += n * hour
            case "d": total += n * day
            default: return nil
            }
        }
        return total
    }


    static func trim(_ s: String) -> String {
        var t = Substring(s)
        while let f = t.first, f == " " || f == "\t" { t = t.dropFirst() }
        while let l = t.last, l == " " || l == "\t" { t = t.dropLast() }
        return String(t)
    }
}
