/// Durations as scenario files and `--set` write them: `250ms`, `30s`, `5m`, `2h`, `1h30m`,
/// `1m30s250ms`, `7d`, `0`. Units (largest first, each at most once): `d`, `h`, `m`, `s`,
/// `ms`, `us`, `ns`. A number may carry a decimal fraction that comes to whole
/// nanoseconds (`1.5s`, `12m03.250s`): that is how reports, traces and messages print
/// times (`Time.format`), so anything they print can be pasted into a scenario.
/// A leading `-` is accepted only where a negative value makes sense (clock skew).
public enum DurationText {
    /// Each unit's size in nanoseconds, largest first.
    static let units: [(String, Int64)] = [
        ("d", Time.day.nanoseconds), ("h", Time.hour.nanoseconds), ("m", Time.minute.nanoseconds),
        ("s", Time.second.nanoseconds), ("ms", Time.millisecond.nanoseconds), ("us", Time.microsecond.nanoseconds),
        ("ns", 1),
    ]

    /// Parses a duration; returns nil for anything that is not one.
    public static func parse(_ text: String, allowNegative: Bool = false) -> SimDuration? {
        var s = Substring(text.trimmingSpaces())
        var negative = false
        if s.first == "-" {
            guard allowNegative else { return nil }
            negative = true
            s = s.dropFirst()
        }
        if s == "0" { return 0 }
        guard !s.isEmpty else { return nil }
        var total: Int64 = 0
        var lastUnitIndex = -1
        let chars = Array(s.utf8)
        var i = 0
        while i < chars.count {
            var digits = ""
            while i < chars.count, chars[i] >= UInt8(ascii: "0"), chars[i] <= UInt8(ascii: "9") {
                digits.append(Character(Unicode.Scalar(chars[i])))
                i += 1
            }
            guard !digits.isEmpty else { return nil }
            var fraction = ""
            if i < chars.count, chars[i] == UInt8(ascii: ".") {
                i += 1
                while i < chars.count, chars[i] >= UInt8(ascii: "0"), chars[i] <= UInt8(ascii: "9") {
                    fraction.append(Character(Unicode.Scalar(chars[i])))
                    i += 1
                }
                guard !fraction.isEmpty else { return nil }
                // Trailing zeros add no precision (`1.500000d` is `1.5d`).
                while fraction.count > 1, fraction.last == "0" { fraction.removeLast() }
                guard fraction.count <= 18 else { return nil }
            }
            var unit = ""
            while i < chars.count, chars[i] >= UInt8(ascii: "a"), chars[i] <= UInt8(ascii: "z") {
                unit.append(Character(Unicode.Scalar(chars[i])))
                i += 1
            }
            guard let idx = units.firstIndex(where: { $0.0 == unit }), idx > lastUnitIndex else { return nil }
            lastUnitIndex = idx
            guard let n = Int64(digits) else { return nil }
            let (product, o1) = n.multipliedReportingOverflow(by: units[idx].1)
            let (sum, o2) = total.addingReportingOverflow(product)
            if o1 || o2 { return nil }
            total = sum
            if !fraction.isEmpty {
                // fraction × unit must be a whole number of nanoseconds.
                guard let f = Int64(fraction) else { return nil }
                var scale: Int64 = 1
                for _ in 0..<fraction.count { scale *= 10 }
                let unitSize = units[idx].1
                let (fp, o3) = f.multipliedReportingOverflow(by: unitSize)
                guard !o3, fp % scale == 0 else { return nil }
                let (withFraction, o4) = total.addingReportingOverflow(fp / scale)
                if o4 { return nil }
                total = withFraction
            }
        }
        return SimDuration(nanoseconds: negative ? -total : total)
    }

    /// The shortest exact text for a duration: `0s`, `250ms`, `1h30m`, `2m0s17ns` is written
    /// as `2m17ns`. `parse(format(d)) == d` for every value.
    public static func format(_ d: SimDuration) -> String {
        if d == 0 { return "0s" }
        var rest = d.magnitude
        var out = d < 0 ? "-" : ""
        for (unit, size) in units {
            let n = rest / UInt64(size)
            if n > 0 { out += "\(n)\(unit)" }
            rest -= n * UInt64(size)
        }
        return out
    }

    /// `lo..hi`, or just `lo` when both are equal and `collapse` is set.
    public static func formatRange(_ lo: SimDuration, _ hi: SimDuration, collapse: Bool = false) -> String {
        if collapse && lo == hi { return format(lo) }
        return "\(format(lo))..\(format(hi))"
    }
}

extension String {
    public func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
