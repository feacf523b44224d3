// Minimal JSON for the `tags` column: an array of arrays of strings, written compactly with
// NIP-01 escaping and read back by a small strict parser.

enum TagsJSON {
    static func encode(_ tags: [[String]]) -> String {
        var out = "["
        for (i, tag) in tags.enumerated() {
            if i > 0 { out += "," }
            out += "["
            for (j, v) in tag.enumerated() {
                if j > 0 { out += "," }
                appendString(v, to: &out)
            }
            out += "]"
        }
        out += "]"
        return out
    }

    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    /// Parses what `encode` writes (and any JSON of that shape); nil on anything else.
    static func decode(_ text: String) -> [[String]]? {
        var p = Parser(bytes: Array(text.utf8))
        guard let v = p.parseOuter() else { return nil }
        p.skipSpace()
        return p.i == p.bytes.count ? v : nil
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count {
                switch bytes[i] {
                case 0x20, 0x09, 0x0A, 0x0D: i += 1
                default: return
                }
            }
        }

        mutating func expect(_ c: UInt8) -> Bool {
            skipSpace()
            guard i < bytes.count, bytes[i] == c else { return false }
            i += 1
            return true
        }

        mutating func peek(_ c: UInt8) -> Bool {
            skipSpace()
            return i < bytes.count && bytes[i] == c
        }

        mutating func parseOuter() -> [[String]]? {
            guard expect(UInt8(ascii: "[")) else { return nil }
            var result: [[String]] = []
            if expect(UInt8(ascii: "]")) { return result }
            repeat {
                guard let inner = parseInner() else { return nil }
                result.append(inner)
            } while expect(UInt8(ascii: ","))
            return expect(UInt8(ascii: "]")) ? result : nil
        }

        mutating func parseInner() -> [String]? {
            guard expect(UInt8(ascii: "[")) else { return nil }
            var result: [String] = []
            if expect(UInt8(ascii: "]")) { return result }
            repeat {
                guard let s = parseString() else { return nil }
                result.append(s)
            } while expect(UInt8(ascii: ","))
            return expect(UInt8(ascii: "]")) ? result : nil
        }

        mutating func hex4() -> UInt32? {
            guard i + 4 <= bytes.count else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[i]
                let d: UInt32
                switch c {
                case 0x30...0x39: d = UInt32(c - 0x30)
                case 0x61...0x66: d = UInt32(c - 0x61 + 10)
                case 0x41...0x46: d = UInt32(c - 0x41 + 10)
                default: return nil
                }
                v = v << 4 | d
                i += 1
            }
            return v
        }

        mutating func parseString() -> String? {
            guard expect(UInt8(ascii: "\"")) else { return nil }
            var buf: [UInt8] = []
            while i < bytes.count {
                let c = bytes[i]
                i += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(decoding: buf, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard i < bytes.count else { return nil }
                    let e = bytes[i]
                    i += 1
                    switch e {
                    case UInt8(ascii: "\""): buf.append(0x22)
                    case UInt8(ascii: "\\"): buf.append(0x5C)
                    case UInt8(ascii: "/"): buf.append(0x2F)
                    case UInt8(ascii: "n"): buf.append(0x0A)
                    case UInt8(ascii: "r"): buf.append(0x0D)
                    case UInt8(ascii: "t"): buf.append(0x09)
                    case UInt8(ascii: "b"): buf.append(0x08)
                    case UInt8(ascii: "f"): buf.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard var v = hex4() else { return nil }
                        if (0xD800..<0xDC00).contains(v) {
                            // Surrogate pair.
                            guard i + 2 <= bytes.count, bytes[i] == 0x5C, bytes[i + 1] == UInt8(ascii: "u") else {
                                return nil
                            }
                            i += 2
                            guard let lo = hex4(), (0xDC00..<0xE000).contains(lo) else { return nil }
                            v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(v) else { return nil }
                        buf.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default:
                        return nil
                    }
                default:
                    if c < 0x20 { return nil }
                    buf.append(c)
                }
            }
            return nil
        }
    }
}
