import Crypto

/// One structured trace record: what happened, when, where.
public struct TraceRecord: Equatable, Sendable {
    public var time: SimTime
    public var node: String
    public var kind: String
    public var fields: [(String, String)]

    public init(time: SimTime, node: String, kind: String, fields: [(String, String)] = []) {
        self.time = time
        self.node = node
        self.kind = kind
        self.fields = fields
    }

    public static func == (a: TraceRecord, b: TraceRecord) -> Bool {
        a.time == b.time && a.node == b.node && a.kind == b.kind
            && a.fields.count == b.fields.count
            && zip(a.fields, b.fields).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }

    public func field(_ key: String) -> String? { fields.first { $0.0 == key }?.1 }

    /// The canonical line the rolling hash covers. Stable across builds: integers and
    /// strings only, fields in the order the emitter gave them.
    public var canonicalLine: String {
        var s = "\(time) \(node) \(kind)"
        for (k, v) in fields { s += " \(k)=\(v)" }
        return s
    }

    /// One JSON object (a JSON Lines row): `t` (ns), `at` (the same time as a duration),
    /// `node`, `record` (what kind of record) and `fields` (the emitter's fields, in order).
    /// Fields sit in their own object so that a field named like a top-level key (an
    /// event's `kind`, say) never collides with it.
    public var jsonLine: String {
        var s =
            "{\"t\":\(time),\"at\":\(jsonString(Time.format(time))),\"node\":\(jsonString(node)),\"record\":\(jsonString(kind)),\"fields\":{"
        var first = true
        for (k, v) in fields {
            s += (first ? "" : ",") + "\(jsonString(k)):\(jsonString(v))"
            first = false
        }
        return s + "}}"
    }
}

/// Minimal JSON string literal writer (used for trace and report output).
public func jsonString(_ s: String) -> String {
    var out = "\""
    out.reserveCapacity(s.utf8.count + 2)
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where u.value < 0x20:
            let hex = String(u.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(u)
        }
    }
    return out + "\""
}

/// The run's trace: a rolling SHA-256 over canonical record lines, an optional
/// in-memory copy (for determinism diffs and reports) and an optional line sink.
public final class Trace {
    private var hasher = SHA256()
    public private(set) var count = 0
    public var keepRecords: Bool {
        didSet { precondition(hashes || !keepRecords, "a trace that keeps records hashes them") }
    }
    public private(set) var records: [TraceRecord] = []
    /// Called with every record as it is made (e.g. a JSON Lines file writer).
    public var sink: ((TraceRecord) -> Void)?
    /// Whether records are hashed. A trace that does not hash only counts its records
    /// (keeping none, handing none to a sink) and has no `hashHex`: a sweep's runs whose
    /// hash nobody reads skip writing and hashing every line. Nothing a run decides reads
    /// its trace, so a run's verdict does not depend on this.
    public let hashes: Bool

    public init(keepRecords: Bool = false, hashes: Bool = true) {
        precondition(hashes || !keepRecords, "a trace that keeps records hashes them")
        self.keepRecords = keepRecords
        self.hashes = hashes
    }

    /// Records' bytes not hashed yet (no string is built for hashing). SHA-256 of a
    /// concatenation does not depend on how it is cut into updates, so lines are hashed
    /// a few kilobytes at a time: one update per record cost more than the hashing.
    private var pending: [UInt8] = []
    private static let flushAt = 8_192

    /// Whether records are kept or handed to a sink (then every line must be a record).
    public var keepsRecords: Bool { keepRecords || sink != nil }

    /// Appends one line written by `fields` (which writes ` key=value` for each field), as
    /// `append` would for the same record; only when no record is kept (`keepsRecords`).
    public func appendLine(time: SimTime, node: String, kind: StaticString, _ fields: (inout TraceText) -> Void) {
        precondition(!keepsRecords, "a trace that keeps records takes TraceRecords")
        guard hashes else {
            count += 1
            return
        }
        var line = TraceText(bytes: [])
        swap(&line.bytes, &pending)
        TraceText.appendDecimal(time.nanoseconds, to: &line.bytes)
        line.bytes.append(0x20)
        line.write(node)
        line.bytes.append(0x20)
        line.write(kind)
        fields(&line)
        line.bytes.append(0x0A)
        swap(&line.bytes, &pending)
        if pending.count >= Self.flushAt { flush() }
        count += 1
    }

    public func append(_ r: TraceRecord) {
        guard hashes else {
            precondition(sink == nil, "a trace that hands records to a sink hashes them")
            count += 1
            return
        }
        // Exactly the bytes of `canonicalLine` + "\n" (a test holds the two together).
        TraceText.appendDecimal(r.time.nanoseconds, to: &pending)
        pending.append(0x20)
        Self.appendUTF8(r.node, to: &pending)
        pending.append(0x20)
        Self.appendUTF8(r.kind, to: &pending)
        for (k, v) in r.fields {
            pending.append(0x20)
            Self.appendUTF8(k, to: &pending)
            pending.append(0x3D)
            Self.appendUTF8(v, to: &pending)
        }
        pending.append(0x0A)
        if pending.count >= Self.flushAt { flush() }
        count += 1
        if keepRecords { records.append(r) }
        sink?(r)
    }

    private func flush() {
        pending.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        pending.removeAll(keepingCapacity: true)
    }

    @inline(__always)
    static func appendUTF8(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// The hash `canonicalLine` strings give (what `append` must equal).
    public static func referenceHash(_ records: [TraceRecord]) -> String {
        var h = SHA256()
        for r in records { h.update(data: Array((r.canonicalLine + "\n").utf8)) }
        return h.finalize().prefix(16).map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    /// Hex of the rolling hash so far (the hash of every record appended).
    public var hashHex: String {
        precondition(hashes, "this trace does not hash its records")
        flush()
        let digest = hasher.finalize()  // finalize works on a copy; the hasher keeps rolling
        return digest.prefix(16).map { b in
            let h = String(b, radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined()
    }
}

/// Result of comparing two traces record by record.
public struct TraceDivergence: Sendable, CustomStringConvertible {
    public var index: Int
    public var first: TraceRecord?
    public var second: TraceRecord?
    public var description: String {
        "traces diverge at record #\(index): first run: \(first?.canonicalLine ?? "<end of trace>") | second run: \(second?.canonicalLine ?? "<end of trace>")"
    }
}

/// The first record at which two traces differ, or nil when they are identical.
public func firstDivergence(_ a: [TraceRecord], _ b: [TraceRecord]) -> TraceDivergence? {
    let n = min(a.count, b.count)
    for i in 0..<n where a[i] != b[i] {
        return TraceDivergence(index: i, first: a[i], second: b[i])
    }
    if a.count != b.count {
        return TraceDivergence(index: n, first: n < a.count ? a[n] : nil, second: n < b.count ? b[n] : nil)
    }
    return nil
}
