/// Virtual time in whole nanoseconds: integer time keeps every run bit-exact across builds
/// and machines. Three types keep three meanings apart, so the compiler refuses to mix them:
///
/// - `SimDuration`: a length of time (signed: a clock skew can be negative);
/// - `SimTime`: an instant on the simulator's global clock, since the start of the run;
/// - `LocalTime`: a reading of one node's own clock (the global clock shifted by the node's
///   skew and drift, or the wall clock in the real server).
///
/// Instants differ by a duration; an instant plus a duration is an instant; two instants of
/// different clocks do not mix. `description` prints the bare nanosecond count (traces
/// hash it), `Time.format` the human form.
public struct SimDuration: Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    @inlinable public init(integerLiteral value: Int64) { nanoseconds = value }

    public static let zero = SimDuration(nanoseconds: 0)
    public static let max = SimDuration(nanoseconds: .max)
    public var description: String { String(nanoseconds) }
    /// The absolute length in nanoseconds.
    @inlinable public var magnitude: UInt64 { nanoseconds.magnitude }
    /// This length in seconds, for rates and reports.
    @inlinable public var seconds: Double { Double(nanoseconds) / 1e9 }

    @inlinable public static func < (a: SimDuration, b: SimDuration) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds + b.nanoseconds)
    }
    @inlinable public static func - (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds)
    }
    @inlinable public static prefix func - (a: SimDuration) -> SimDuration { SimDuration(nanoseconds: -a.nanoseconds) }
    @inlinable public static func += (a: inout SimDuration, b: SimDuration) { a.nanoseconds += b.nanoseconds }
    @inlinable public static func -= (a: inout SimDuration, b: SimDuration) { a.nanoseconds -= b.nanoseconds }
    @inlinable public static func * (a: SimDuration, k: Int64) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds * k)
    }
    @inlinable public static func * (k: Int64, a: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: k * a.nanoseconds)
    }
    @inlinable public static func *= (a: inout SimDuration, k: Int64) { a.nanoseconds *= k }
    /// This length scaled by `f`, truncated to whole nanoseconds.
    @inlinable public func scaled(by f: Double) -> SimDuration {
        SimDuration(nanoseconds: Int64(Double(nanoseconds) * f))
    }
    @inlinable public static func / (a: SimDuration, k: Int64) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds / k)
    }
    /// How many whole `b` fit in `a`.
    @inlinable public static func / (a: SimDuration, b: SimDuration) -> Int64 { a.nanoseconds / b.nanoseconds }
    @inlinable public static func % (a: SimDuration, b: SimDuration) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds % b.nanoseconds)
    }
    @inlinable public func multipliedReportingOverflow(by k: Int64) -> (partialValue: SimDuration, overflow: Bool) {
        let (v, o) = nanoseconds.multipliedReportingOverflow(by: k)
        return (SimDuration(nanoseconds: v), o)
    }
}

/// An instant on the simulator's global clock: nanoseconds since the start of the run.
public struct SimTime: Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    @inlinable public init(integerLiteral value: Int64) { nanoseconds = value }
    /// The instant `d` after the start of the run.
    @inlinable public init(sinceStart d: SimDuration) { nanoseconds = d.nanoseconds }

    public static let zero = SimTime(nanoseconds: 0)
    /// Later than any instant a run reaches ("never").
    public static let max = SimTime(nanoseconds: .max)
    public var description: String { String(nanoseconds) }
    /// The time since the start of the run.
    @inlinable public var sinceStart: SimDuration { SimDuration(nanoseconds: nanoseconds) }

    @inlinable public static func < (a: SimTime, b: SimTime) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (t: SimTime, d: SimDuration) -> SimTime {
        SimTime(nanoseconds: t.nanoseconds + d.nanoseconds)
    }
    @inlinable public static func + (d: SimDuration, t: SimTime) -> SimTime {
        SimTime(nanoseconds: d.nanoseconds + t.nanoseconds)
    }
    @inlinable public static func - (t: SimTime, d: SimDuration) -> SimTime {
        SimTime(nanoseconds: t.nanoseconds - d.nanoseconds)
    }
    @inlinable public static func - (a: SimTime, b: SimTime) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds)
    }
    @inlinable public static func += (t: inout SimTime, d: SimDuration) { t.nanoseconds += d.nanoseconds }
    @inlinable public static func -= (t: inout SimTime, d: SimDuration) { t.nanoseconds -= d.nanoseconds }
}

/// A reading of one node's own clock: the simulator's global clock shifted by the node's
/// skew and drift (`Simulation.localTime(of:)`), or the wall clock in the real server.
/// Everything a relay, lock client or sync queue keeps (deadlines, expiries, due times) is
/// in its own clock; the checks judge in global `SimTime` and convert only where the
/// simulator knows the node's clock.
public struct LocalTime: Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral, CustomStringConvertible {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    @inlinable public init(integerLiteral value: Int64) { nanoseconds = value }

    /// The reading `d` after the clock's zero.
    @inlinable public init(sinceZero d: SimDuration) { nanoseconds = d.nanoseconds }

    public static let zero = LocalTime(nanoseconds: 0)
    /// Later than any reading ("never").
    public static let max = LocalTime(nanoseconds: .max)
    public var description: String { String(nanoseconds) }
    /// The reading as a length since the clock's zero.
    @inlinable public var sinceZero: SimDuration { SimDuration(nanoseconds: nanoseconds) }

    @inlinable public static func < (a: LocalTime, b: LocalTime) -> Bool { a.nanoseconds < b.nanoseconds }
    @inlinable public static func + (t: LocalTime, d: SimDuration) -> LocalTime {
        LocalTime(nanoseconds: t.nanoseconds + d.nanoseconds)
    }
    @inlinable public static func + (d: SimDuration, t: LocalTime) -> LocalTime {
        LocalTime(nanoseconds: d.nanoseconds + t.nanoseconds)
    }
    @inlinable public static func - (t: LocalTime, d: SimDuration) -> LocalTime {
        LocalTime(nanoseconds: t.nanoseconds - d.nanoseconds)
    }
    @inlinable public static func - (a: LocalTime, b: LocalTime) -> SimDuration {
        SimDuration(nanoseconds: a.nanoseconds - b.nanoseconds)
    }
    @inlinable public static func += (t: inout LocalTime, d: SimDuration) { t.nanoseconds += d.nanoseconds }
    @inlinable public static func -= (t: inout LocalTime, d: SimDuration) { t.nanoseconds -= d.nanoseconds }
}

// Encoded as the bare nanosecond count, so files written before the types were distinct
// read back unchanged.
extension SimDuration: Codable {
    public init(from decoder: any Decoder) throws {
        nanoseconds = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(nanoseconds)
    }
}

extension SimTime: Codable {
    public init(from decoder: any Decoder) throws {
        nanoseconds = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(nanoseconds)
    }
}

extension LocalTime: Codable {
    public init(from decoder: any Decoder) throws {
        nanoseconds = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(nanoseconds)
    }
}

extension SimTime {
    /// The instant `v` seconds (milliseconds, minutes) after the start of the run.
    @inlinable public static func seconds(_ v: Int64) -> SimTime { SimTime(sinceStart: Time.s(v)) }
    @inlinable public static func milliseconds(_ v: Int64) -> SimTime { SimTime(sinceStart: Time.ms(v)) }
    @inlinable public static func minutes(_ v: Int64) -> SimTime { SimTime(sinceStart: Time.min(v)) }
}

extension LocalTime {
    /// The reading `v` seconds (milliseconds, minutes) after the clock's zero.
    @inlinable public static func seconds(_ v: Int64) -> LocalTime { LocalTime(sinceZero: Time.s(v)) }
    @inlinable public static func milliseconds(_ v: Int64) -> LocalTime { LocalTime(sinceZero: Time.ms(v)) }
    @inlinable public static func minutes(_ v: Int64) -> LocalTime { LocalTime(sinceZero: Time.min(v)) }
}
