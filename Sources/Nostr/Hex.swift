/// Hexadecimal encoding helpers. Encoding is always lowercase; decoding accepts either case.
public enum Hex {
    @usableFromInline
    static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes` (two characters per byte).
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let count = bytes.count
        if count == 0 { return "" }
        return String(unsafeUninitializedCapacity: count * 2) { buf in
            var i = 0
            for b in bytes {
                buf[i] = digits[Int(b >> 4)]
                buf[i + 1] = digits[Int(b & 0x0f)]
                i += 2
            }
            return i
        }
    }

    /// The bytes of `hex`, or nil when it has odd length or a non-hex character.
    /// Upper- and lowercase digits are both accepted.
    public static func decode(_ hex: String) -> [UInt8]? {
        let utf8 = hex.utf8
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var high: UInt8 = 0
        var isHigh = true
        for c in utf8 {
            guard let v = nibble(c) else { return nil }
            if isHigh { high = v } else { out.append(high << 4 | v) }
            isHigh.toggle()
        }
        return out
    }

    /// The value of one ASCII hex digit (either case), nil otherwise.
    @inlinable
    public static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }

    /// True when `s` is exactly `length` characters of LOWERCASE hex (the form NIP-01
    /// requires for ids, pubkeys and signatures).
    public static func isLowercaseHex(_ s: String, length: Int) -> Bool {
        let utf8 = s.utf8
        guard utf8.count == length else { return false }
        for c in utf8 {
            switch c {
            case 0x30...0x39, 0x61...0x66: continue
            default: return false
            }
        }
        return true
    }
}
