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
}
