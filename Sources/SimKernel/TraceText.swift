/// One trace line written straight into the trace's hash buffer: the same bytes
/// `TraceRecord.canonicalLine` gives, without building the record, its field array or its
/// strings. The kernel writes its network records this way when nothing keeps records (a
/// sweep), where they are nine in ten of all trace lines.
public struct TraceText {
    var bytes: [UInt8]

    public init() { bytes = [] }
    init(bytes: [UInt8]) { self.bytes = bytes }

    /// What was written, as text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    @_disfavoredOverload  // a literal is a StaticString
    public mutating func write(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    @_disfavoredOverload
    public mutating func write(_ text: Substring) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// `n` as `"\(n)"` writes it.
    public mutating func write(_ n: Int64) { Self.appendDecimal(n, to: &bytes) }
    public mutating func write(_ n: UInt64) {
        if n <= UInt64(Int64.max) { write(Int64(n)) } else { write(String(n)) }
    }
    public mutating func write(_ n: Int) { write(Int64(n)) }

    /// ` key=` (a field's value follows).
    public mutating func field(_ key: StaticString) {
        bytes.append(0x20)
        write(key)
        bytes.append(0x3D)
    }

    static func appendDecimal(_ n: Int64, to out: inout [UInt8]) {
        if n < 0 { out.append(0x2D) }
        // Digits right to left into a stack buffer, then one append (a trace line starts
        // with a 10–13 digit time; per-digit appends and a reverse cost 2 % of a lock run).
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes ≥ the 20 digits of UInt64.max
        withUnsafeMutableBytes(of: &digits) { buffer in
            var i = buffer.count
            var m = n.magnitude
            repeat {
                i -= 1
                buffer[i] = 0x30 + UInt8(m % 10)
                m /= 10
            } while m > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[i...]))
        }
    }
}

extension SimMessage {
    /// The trace label, written as `traceLabel` reads.
    public func writeTraceLabel(_ out: inout TraceText) { out.write(traceLabel) }
}
