import Crypto

/// NIP-01 string escaping and canonical event serialization, written by hand so the
/// bytes are exactly what the id is defined over.
enum JSONBytes {
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `s` as a JSON string literal (with quotes). Escapes only `"`, `\`,
    /// `\n \r \t \b \f`; other control characters below 0x20 as `\u00xx`; never `/`;
    /// everything else (including non-ASCII UTF-8) raw.
    @inline(__always)
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(0x22)
        var s = s
        s.withUTF8 { buf in
            for b in buf {
                if b >= 0x20 && b != 0x22 && b != 0x5c {
                    out.append(b)
                    continue
                }
                switch b {
                case 0x22:
                    out.append(0x5c)
                    out.append(0x22)
                case 0x5c:
                    out.append(0x5c)
                    out.append(0x5c)
                case 0x0a:
                    out.append(0x5c)
                    out.append(0x6e)  // \n
                case 0x0d:
                    out.append(0x5c)
                    out.append(0x72)  // \r
                case 0x09:
                    out.append(0x5c)
                    out.append(0x74)  // \t
                case 0x08:
                    out.append(0x5c)
                    out.append(0x62)  // \b
                case 0x0c:
                    out.append(0x5c)
                    out.append(0x66)  // \f
                default:
                    out.append(contentsOf: [0x5c, 0x75, 0x30, 0x30])  // \u00
                    out.append(hexDigits[Int(b >> 4)])
                    out.append(hexDigits[Int(b & 0x0f)])
                }
            }
        }
        out.append(0x22)
    }

    /// Appends the decimal digits of `v`.
    @inline(__always)
    static func appendInt(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 {
            out.append(0x30)
            return
        }
        if v < 0 { out.append(0x2d) }
        var m = v.magnitude
        var tmp:
            (
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
            ) =
                (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        withUnsafeMutableBytes(of: &tmp) { digits in
            while m > 0 {
                digits[n] = UInt8(truncatingIfNeeded: m % 10) + 0x30
                m /= 10
                n += 1
            }
            while n > 0 {
                n -= 1
                out.append(digits[n])
            }
        }
    }

    /// Appends `tags` as a JSON array of arrays of strings.
    @inline(__always)
    static func appendTags(_ tags: [[String]], to out: inout [UInt8]) {
        out.append(0x5b)
        for (i, tag) in tags.enumerated() {
            if i > 0 { out.append(0x2c) }
            out.append(0x5b)
            for (j, item) in tag.enumerated() {
                if j > 0 { out.append(0x2c) }
                appendString(item, to: &out)
            }
            out.append(0x5d)
        }
        out.append(0x5d)
    }

    /// A capacity guess for an event's serialization (avoids regrowth in the common case).
    static func estimate(tags: [[String]], content: String) -> Int {
        var n = 128 + content.utf8.count + content.utf8.count / 8
        for t in tags {
            n += 3
            for s in t { n += s.utf8.count + 3 }
        }
        return n
    }
}

extension NostrEvent {
    /// The NIP-01 serialization the id is the SHA-256 of:
    /// UTF-8 of `[0,"<pubkey>",<created_at>,<kind>,<tags>,"<content>"]` without whitespace.
    public static func canonicalBytes(
        pubkey: String, createdAt: Int64, kind: Int,
        tags: [[String]], content: String
    ) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(JSONBytes.estimate(tags: tags, content: content))
        out.append(0x5b)
        out.append(0x30)
        out.append(0x2c)  // [0,
        JSONBytes.appendString(pubkey, to: &out)
        out.append(0x2c)
        JSONBytes.appendInt(createdAt, to: &out)
        out.append(0x2c)
        JSONBytes.appendInt(Int64(kind), to: &out)
        out.append(0x2c)
        JSONBytes.appendTags(tags, to: &out)
        out.append(0x2c)
        JSONBytes.appendString(content, to: &out)
        out.append(0x5d)
        return out
    }

    /// SHA-256 of the canonical serialization, as raw bytes.
    public static func computeIDBytes(
        pubkey: String, createdAt: Int64, kind: Int,
        tags: [[String]], content: String
    ) -> [UInt8] {
        let bytes = canonicalBytes(
            pubkey: pubkey, createdAt: createdAt, kind: kind,
            tags: tags, content: content)
        return Array(SHA256.hash(data: bytes))
    }

    /// The NIP-01 event id: lowercase hex SHA-256 of the canonical serialization.
    public static func computeID(
        pubkey: String, createdAt: Int64, kind: Int,
        tags: [[String]], content: String
    ) -> String {
        Hex.encode(
            computeIDBytes(
                pubkey: pubkey, createdAt: createdAt, kind: kind,
                tags: tags, content: content))
    }

    /// This event's canonical serialization (ignores the stored `id` and `sig`).
    public var canonicalBytes: [UInt8] {
        NostrEvent.canonicalBytes(
            pubkey: pubkey, createdAt: createdAt, kind: kind,
            tags: tags, content: content)
    }

    /// The id this event's fields hash to (compare with `id` to detect tampering).
    public var computedID: String {
        NostrEvent.computeID(
            pubkey: pubkey, createdAt: createdAt, kind: kind,
            tags: tags, content: content)
    }
}
