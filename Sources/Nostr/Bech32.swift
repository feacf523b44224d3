/// Why a bech32 string was rejected.
public enum Bech32Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// Both upper- and lowercase letters appear.
    case mixedCase
    /// No `1` separator between the human-readable part and the data.
    case missingSeparator
    /// The human-readable part is empty.
    case emptyHRP
    /// A human-readable-part character outside ASCII 33...126.
    case badHRPCharacter(Character)
    /// A data character that is not in the bech32 alphabet.
    case badCharacter(Character)
    /// The data part is shorter than the 6-character checksum.
    case tooShort
    /// The whole string is longer than the allowed maximum.
    case tooLong(Int)
    /// The checksum does not match.
    case badChecksum
    /// Converting 5-bit groups back to bytes left non-zero or over-long padding.
    case badPadding

    public var description: String {
        switch self {
        case .mixedCase: return "bech32 string mixes upper and lower case"
        case .missingSeparator: return "bech32 string has no '1' separator"
        case .emptyHRP: return "bech32 human-readable part is empty"
        case .badHRPCharacter(let c): return "bad character \(c.debugDescription) in bech32 human-readable part"
        case .badCharacter(let c): return "bad bech32 character \(c.debugDescription)"
        case .tooShort: return "bech32 data part is shorter than its checksum"
        case .tooLong(let n): return "bech32 string too long (\(n) characters)"
        case .badChecksum: return "bech32 checksum mismatch"
        case .badPadding: return "bech32 data has invalid padding"
        }
    }
}

/// Bech32 (BIP-173, not bech32m) with 8-bit payloads, as NIP-19 uses it.
public enum Bech32 {
    static let alphabet: [UInt8] = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    static let reverse: [Int8] = {
        var r = [Int8](repeating: -1, count: 128)
        for (i, c) in alphabet.enumerated() { r[Int(c)] = Int8(i) }
        return r
    }()
    static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]

    /// Longest string `decode` accepts by default. BIP-173 says 90; NIP-19 lifts the
    /// limit for TLV entities, so the default here is generous.
    public static let defaultMaxLength = 5000

    static func polymod(_ values: [UInt8]) -> UInt32 {
        var chk: UInt32 = 1
        for v in values {
            let top = chk >> 25
            chk = (chk & 0x1ffffff) << 5 ^ UInt32(v)
            for i in 0..<5 where (top >> UInt32(i)) & 1 == 1 { chk ^= generator[i] }
        }
        return chk
    }

    static func hrpExpand(_ hrp: [UInt8]) -> [UInt8] {
        hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
    }

    /// Regroups bits (8→5 when encoding, 5→8 when decoding). Returns nil on bad padding.
    static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var acc = 0
        var bits = 0
        let maxv = (1 << to) - 1
        var out = [UInt8]()
        out.reserveCapacity(data.count * from / to + 1)
        for v in data {
            acc = (acc << from) | Int(v)
            bits += from
            while bits >= to {
                bits -= to
                out.append(UInt8((acc >> bits) & maxv))
            }
            acc &= (1 << bits) - 1
        }
        if pad {
            if bits > 0 { out.append(UInt8((acc << (to - bits)) & maxv)) }
        } else if bits >= from || ((acc << (to - bits)) & maxv) != 0 {
            return nil
        }
        return out
    }

    /// Encodes `data` (bytes) under `hrp` (lowercased). `hrp` must be non-empty ASCII 33...126.
    public static func encode(hrp: String, data: [UInt8]) -> String {
        let h = Array(hrp.lowercased().utf8)
        precondition(!h.isEmpty && h.allSatisfy { $0 >= 33 && $0 <= 126 }, "invalid bech32 hrp")
        let values = convertBits(data, from: 8, to: 5, pad: true)!
        let poly = polymod(hrpExpand(h) + values + [0, 0, 0, 0, 0, 0]) ^ 1
        var out = h
        out.append(0x31)  // '1'
        for v in values { out.append(alphabet[Int(v)]) }
        for i in 0..<6 { out.append(alphabet[Int((poly >> UInt32(5 * (5 - i))) & 31)]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a bech32 string into its lowercase hrp and 8-bit payload, validating case,
    /// characters, length and checksum.
    public static func decode(_ string: String, maxLength: Int = defaultMaxLength)
        throws(Bech32Error) -> (hrp: String, data: [UInt8])
    {
        let bytes = Array(string.utf8)
        if bytes.count > maxLength { throw .tooLong(bytes.count) }
        var hasLower = false
        var hasUpper = false
        for b in bytes {
            if b >= 0x61 && b <= 0x7a { hasLower = true }
            if b >= 0x41 && b <= 0x5a { hasUpper = true }
        }
        if hasLower && hasUpper { throw .mixedCase }
        guard let sep = bytes.lastIndex(of: 0x31) else { throw .missingSeparator }
        if sep == 0 { throw .emptyHRP }
        let lower = bytes.map { ($0 >= 0x41 && $0 <= 0x5a) ? $0 + 32 : $0 }
        let hrp = Array(lower[..<sep])
        for b in hrp where b < 33 || b > 126 {
            throw .badHRPCharacter(Character(Unicode.Scalar(b)))
        }
        // Report a character that is not ASCII as itself (not one of its UTF-8 bytes).
        let dataPart = lower[(sep + 1)...]
        var values = [UInt8]()
        values.reserveCapacity(dataPart.count)
        for b in dataPart {
            guard b < 128, reverse[Int(b)] >= 0 else {
                throw .badCharacter(firstNonBech32Character(in: string, after: sep))
            }
            values.append(UInt8(reverse[Int(b)]))
        }
        if values.count < 6 { throw .tooShort }
        if polymod(hrpExpand(hrp) + values) != 1 { throw .badChecksum }
        guard let data = convertBits(Array(values.dropLast(6)), from: 5, to: 8, pad: false) else {
            throw .badPadding
        }
        return (String(decoding: hrp, as: UTF8.self), data)
    }

    private static func firstNonBech32Character(in s: String, after sep: Int) -> Character {
        let tail = s.utf8.dropFirst(sep + 1)
        let text = String(Substring(tail))
        for ch in text {
            let lowered = ch.lowercased()
            guard lowered.utf8.count == 1, let b = lowered.utf8.first, b < 128, reverse[Int(b)] >= 0 else {
                return ch
            }
        }
        return "?"
    }
}
