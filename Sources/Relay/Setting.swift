import SimKernel

/// One configuration key: its name, its meaning, the values it accepts, and how it reads
/// and writes the settings value it belongs to. The relay's, the process's and the
/// deployment's keys are each one list of these; `--set`, scenario `config:`, `serve
/// --set`, `graspsim invariants`, the reports' effective configuration and the docs all
/// read those lists.
public struct Setting<Root>: @unchecked Sendable {
    public let key: String
    /// What the key means, in one line (the accepted values are added by `help`).
    public let meaning: String
    /// The accepted values, in words (`duration 1s..30d`).
    public let accepts: String
    /// Values just outside what the key accepts (below, negative, absurdly large, not a
    /// value at all): each must be refused with an error naming the key (tests use them).
    public var refused: [String] = []
    let apply: (inout Root, String, String) throws -> Void
    let read: (Root) -> String

    /// Sets the key from `value`; `key` names it in errors.
    public func set(_ root: inout Root, _ value: String) throws { try apply(&root, value, key) }
    public func value(in root: Root) -> String { read(root) }

    /// The same key on a value that holds `Root` at `path`.
    public func lifted<Outer>(_ path: WritableKeyPath<Outer, Root>) -> Setting<Outer> {
        let apply = self.apply
        let read = self.read
        return Setting<Outer>(
            key: key, meaning: meaning, accepts: accepts, refused: refused,
            apply: { outer, v, k in try apply(&outer[keyPath: path], v, k) },
            read: { read($0[keyPath: path]) })
    }
}

extension Setting {
    /// A duration within `range` (both ends allowed). Zero is refused unless the range
    /// starts at zero; a negative value never parses.
    public static func duration(
        _ key: String, _ path: WritableKeyPath<Root, SimDuration>, _ meaning: String,
        _ range: ClosedRange<SimDuration>
    ) -> Setting {
        let accepts =
            "a duration from \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound))"
        return Setting(
            key: key, meaning: meaning, accepts: accepts, refused: refusedDurations(range),
            apply: { root, v, k in
                root[keyPath: path] = try checkedDuration(v, key: k, in: range, accepts: accepts)
            }, read: { DurationText.format($0[keyPath: path]) })
    }

    /// A duration or a range `lo..hi` of durations (drawn per seed by its user), within
    /// `bounds`; nil (unset) by default.
    public static func durationRange(
        _ key: String, _ path: WritableKeyPath<Root, ClosedRange<SimDuration>?>, _ meaning: String,
        _ bounds: ClosedRange<SimDuration>
    ) -> Setting {
        let accepts =
            "a duration or a range lo..hi from \(DurationText.format(bounds.lowerBound)) to \(DurationText.format(bounds.upperBound))"
        return Setting(
            key: key, meaning: meaning, accepts: accepts,
            refused: refusedDurations(bounds) + ["5s..1s", "1s..soon"],
            apply: { root, v, k in
                root[keyPath: path] = try parseDurationRange(v, key: k, accepts: accepts, bounds: bounds)
            },
            read: {
                $0[keyPath: path].map { DurationText.formatRange($0.lowerBound, $0.upperBound, collapse: true) }
                    ?? "unset"
            })
    }

    /// A duration or a range `lo..hi` within `bounds` (never unset).
    public static func durationRange(
        _ key: String, _ path: WritableKeyPath<Root, ClosedRange<SimDuration>>, _ meaning: String,
        _ bounds: ClosedRange<SimDuration>
    ) -> Setting {
        let accepts =
            "a duration or a range lo..hi from \(DurationText.format(bounds.lowerBound)) to \(DurationText.format(bounds.upperBound))"
        return Setting(
            key: key, meaning: meaning, accepts: accepts,
            refused: refusedDurations(bounds) + ["5s..1s", "1s..soon"],
            apply: { root, v, k in
                root[keyPath: path] = try parseDurationRange(v, key: k, accepts: accepts, bounds: bounds)
            },
            read: {
                DurationText.formatRange($0[keyPath: path].lowerBound, $0[keyPath: path].upperBound, collapse: true)
            })
    }

    static func checkedDuration(_ v: String, key: String, in range: ClosedRange<SimDuration>, accepts: String) throws
        -> SimDuration
    {
        let d = try parseDuration(v, key: key)
        guard range.contains(d) else { throw ConfigValueError(key: key, value: v, expected: accepts) }
        return d
    }

    static func parseDurationRange(_ v: String, key: String, accepts: String, bounds: ClosedRange<SimDuration>) throws
        -> ClosedRange<SimDuration>
    {
        let parts = v.components(separatedBy: "..")
        guard parts.count <= 2 else { throw ConfigValueError(key: key, value: v, expected: accepts) }
        guard let lo = DurationText.parse(parts[0].trimmingSpaces()),
            let hi = parts.count == 2 ? DurationText.parse(parts[1].trimmingSpaces()) : lo,
            lo <= hi, bounds.contains(lo), bounds.contains(hi)
        else { throw ConfigValueError(key: key, value: v, expected: accepts) }
        return lo...hi
    }

    /// An optional duration (unset by default) within `range`.
    public static func duration(
        _ key: String, _ path: WritableKeyPath<Root, SimDuration?>, _ meaning: String,
        _ range: ClosedRange<SimDuration>
    ) -> Setting {
        let accepts =
            "a duration from \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound))"
        return Setting(
            key: key, meaning: meaning, accepts: accepts, refused: refusedDurations(range),
            apply: { root, v, k in
                root[keyPath: path] = try checkedDuration(v, key: k, in: range, accepts: accepts)
            }, read: { $0[keyPath: path].map(DurationText.format) ?? "unset" })
    }

    public static func flag(_ key: String, _ path: WritableKeyPath<Root, Bool>, _ meaning: String) -> Setting {
        Setting(
            key: key, meaning: meaning, accepts: "true or false", refused: ["maybe", "2", "-1"],
            apply: { root, v, k in
                root[keyPath: path] = try parseBool(v, key: k)
            }, read: { $0[keyPath: path] ? "true" : "false" })
    }

    /// A number within `range`.
    public static func number(
        _ key: String, _ path: WritableKeyPath<Root, Double>, _ meaning: String,
        _ range: ClosedRange<Double>
    ) -> Setting {
        let accepts = "a number from \(format(range.lowerBound)) to \(format(range.upperBound))"
        let below = range.lowerBound > 0 ? ["0", format(range.lowerBound / 2)] : []
        return Setting(
            key: key, meaning: meaning, accepts: accepts,
            refused: below + ["-1", format(range.upperBound * 10 + 1), "nan", "inf", "half"],
            apply: { root, v, k in
                guard let d = Double(v.trimmingSpaces()), d.isFinite, range.contains(d) else {
                    throw ConfigValueError(key: k, value: v, expected: accepts)
                }
                root[keyPath: path] = d
            }, read: { format($0[keyPath: path]) })
    }

    /// A whole number within `range`.
    public static func count(
        _ key: String, _ path: WritableKeyPath<Root, Int>, _ meaning: String,
        _ range: ClosedRange<Int>
    ) -> Setting {
        let accepts = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        let below = range.lowerBound > 0 ? ["0"] : []
        return Setting(
            key: key, meaning: meaning, accepts: accepts,
            refused: below + ["-1", String(range.upperBound + 1), "1.5", "many"],
            apply: { root, v, k in
                guard let n = Int(v.trimmingSpaces()), range.contains(n) else {
                    throw ConfigValueError(key: k, value: v, expected: accepts)
                }
                root[keyPath: path] = n
            }, read: { String($0[keyPath: path]) })
    }

    /// Non-empty text without spaces (a host name).
    public static func name(_ key: String, _ path: WritableKeyPath<Root, String>, _ meaning: String) -> Setting {
        let accepts = "a name without spaces"
        return Setting(
            key: key, meaning: meaning, accepts: accepts, refused: ["", "two words"],
            apply: { root, v, k in
                guard !v.isEmpty, !v.contains(" ") else { throw ConfigValueError(key: k, value: v, expected: accepts) }
                root[keyPath: path] = v
            }, read: { $0[keyPath: path] })
    }

    /// Below the range (zero when the range starts above it), negative, far above it, and
    /// not a duration.
    static func refusedDurations(_ range: ClosedRange<SimDuration>) -> [String] {
        var out = ["-1s", "\(DurationText.format(range.upperBound * 2))", "soon"]
        if range.lowerBound > 0 { out += ["0s", "0"] }
        if range.lowerBound > 1 { out.append(DurationText.format(range.lowerBound - 1)) }
        return out
    }

    static func format(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
    }
}

/// Key names as written by people and by older versions.
public enum SettingKey {
    /// Deliberately broken implementations are switched on by `variant.*` keys; they were
    /// `fault.*` once (which read as the environment's faults), and those names still work.
    public static func canonical(_ key: String) -> String {
        key.hasPrefix("fault.") ? "variant." + key.dropFirst("fault.".count) : key
    }
}

/// A settings value made of `Setting`s: one list of keys, `set`, and its effective values.
public protocol Configurable {
    init()
    static var settings: [Setting<Self>] { get }
    /// Problems between keys (a maximum below its minimum), one line each, naming the keys.
    func consistencyProblems() -> [String]
}

extension Configurable {
    public func consistencyProblems() -> [String] { [] }

    /// Key and one-line description (meaning, accepted values, default).
    public static var keys: [(String, String)] {
        let defaults = Self()
        return settings.map { ($0.key, "\($0.meaning) (\($0.accepts); default \($0.value(in: defaults)))") }
    }

    /// The setting named `key` (or its older `fault.*` name).
    public static func setting(_ key: String) -> Setting<Self>? {
        let key = SettingKey.canonical(key)
        return settings.first { $0.key == key }
    }

    /// Applies one `key=value`. False when the key is not one of this type's; throws when
    /// the value is not one the key accepts.
    public mutating func set(_ key: String, _ value: String) throws -> Bool {
        guard let s = Self.setting(key) else { return false }
        try s.set(&self, value)
        return true
    }

    /// Every key with its current value, in key-table order.
    public var effectiveValues: [(key: String, value: String)] { Self.settings.map { ($0.key, $0.value(in: self)) } }
}
