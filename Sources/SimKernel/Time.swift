/// Units of virtual time and the one text form every printer uses (see `TimeTypes.swift`
/// for the types, `DurationText` for the parser that reads this form back).
public enum Time {
    public static let nanosecond: SimDuration = 1
    public static let microsecond: SimDuration = 1_000
    public static let millisecond: SimDuration = 1_000_000
    public static let second: SimDuration = 1_000_000_000
    public static let minute: SimDuration = 60 * second
    public static let hour: SimDuration = 60 * minute
    public static let day: SimDuration = 24 * hour

    @inlinable public static func ns(_ v: Int64) -> SimDuration { SimDuration(nanoseconds: v) }
    @inlinable public static func ms(_ v: Int64) -> SimDuration { SimDuration(nanoseconds: v * 1_000_000) }
    @inlinable public static func s(_ v: Int64) -> SimDuration { SimDuration(nanoseconds: v * 1_000_000_000) }
    @inlinable public static func min(_ v: Int64) -> SimDuration { SimDuration(nanoseconds: v * 60_000_000_000) }

    /// Human form used in traces, reports and messages: `12m03.250s`, `450ms`,
    /// `1h02m00.000s`; sub-millisecond parts are kept (`3.000000250s`, `1500us`, `17ns`).
    /// Exact: `DurationText.parse(format(t)) == t` for every value but `Int64.min`, so a time a report
    /// prints can be written into a scenario as it is.
    public static func format(_ d: SimDuration) -> String { format(nanoseconds: d.nanoseconds) }
    /// An instant as the time since the start of the run.
    public static func format(_ t: SimTime) -> String { format(nanoseconds: t.nanoseconds) }
    /// A node's clock reading as the time since its zero.
    public static func format(_ t: LocalTime) -> String { format(nanoseconds: t.nanoseconds) }

    static func format(nanoseconds t: Int64) -> String {
        let neg = t < 0
        let a = t.magnitude
        let msU = UInt64(millisecond.nanoseconds)
        let usU = UInt64(microsecond.nanoseconds)
        let sU = UInt64(second.nanoseconds)
        var out: String
        if a < sU {
            if a % msU == 0 {
                out = "\(a / msU)ms"
            } else if a % usU == 0 {
                out = "\(a / usU)us"
            } else {
                out = "\(a)ns"
            }
        } else {
            let sub = a % sU
            let fraction: String
            if sub % msU == 0 {
                fraction = pad(sub / msU, 3)
            } else if sub % usU == 0 {
                fraction = pad(sub / usU, 6)
            } else {
                fraction = pad(sub, 9)
            }
            let totalS = a / sU
            let s = totalS % 60
            let m = (totalS / 60) % 60
            let h = totalS / 3600
            if h > 0 {
                out = "\(h)h\(pad(m, 2))m\(pad(s, 2)).\(fraction)s"
            } else if m > 0 {
                out = "\(m)m\(pad(s, 2)).\(fraction)s"
            } else {
                out = "\(s).\(fraction)s"
            }
        }
        return neg ? "-" + out : out
    }

    /// `n` in decimal, left-padded with zeros to `width` digits.
    static func pad(_ n: UInt64, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
