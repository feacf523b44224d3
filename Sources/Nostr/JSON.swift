/// A JSON number, kept as its literal text so integers stay exact.
public struct JSONNumber: Hashable, Sendable, CustomStringConvertible {
    /// The literal as it appeared (or was produced), e.g. `-12`, `1.5e3`.
    public let literal: String

    /// An integer number.
    public init<I: BinaryInteger>(_ value: I) { literal = String(value) }

    /// A finite floating-point number (nil for NaN/infinity, which JSON cannot express).
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        if value == value.rounded(), abs(value) < 1e15 { literal = String(Int64(value)) } else { literal = "\(value)" }
    }

    /// A literal, validated against the JSON number grammar.
    public init?(literal: String) {
        let b = Array(literal.utf8)
        var p = JSONParser(b, maxDepth: 1)
        guard (try? p.scanNumber()) != nil, p.pos == b.count else { return nil }
        self.literal = literal
    }

    init(unchecked literal: String) { self.literal = literal }

    /// True when the literal has no fraction or exponent.
    public var isInteger: Bool { !literal.utf8.contains { $0 == 0x2e || $0 == 0x65 || $0 == 0x45 } }

    /// The exact value when the literal is an integer that fits Int64, else nil.
    public var int64: Int64? { isInteger ? Int64(literal) : nil }

    /// The value as a Double (may round).
    public var double: Double? { Double(literal) }

    public var description: String { literal }
}

/// A JSON value. Objects keep their keys in document order.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// An integer number value.
    public static func int<I: BinaryInteger>(_ v: I) -> JSONValue { .number(JSONNumber(v)) }

    /// The value of `key` in an object (first occurrence), nil otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// A short name of the value's type for error messages: "null", "bool", "number", …
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Compact JSON text (no whitespace; strings escaped the NIP-01 way).
    public var json: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// Compact JSON as UTF-8 bytes.
    public var jsonBytes: [UInt8] {
        var out = [UInt8]()
        write(to: &out)
        return out
    }

    /// Appends this value's compact JSON to `out`.
    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: [0x6e, 0x75, 0x6c, 0x6c])
        case .bool(let b): out.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
        case .number(let n): out.append(contentsOf: n.literal.utf8)
        case .string(let s): JSONBytes.appendString(s, to: &out)
        case .array(let items):
            out.append(0x5b)
            for (i, v) in items.enumerated() {
                if i > 0 { out.append(0x2c) }
                v.write(to: &out)
            }
            out.append(0x5d)
        case .object(let members):
            out.append(0x7b)
            for (i, m) in members.enumerated() {
                if i > 0 { out.append(0x2c) }
                JSONBytes.appendString(m.key, to: &out)
                out.append(0x3a)
                m.value.write(to: &out)
            }
            out.append(0x7d)
        }
    }

    /// Parses one JSON document (strict RFC 8259; see `JSONParseError`).
    public static func parse(_ text: String, maxDepth: Int = JSON.defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(bytes: Array(text.utf8), maxDepth: maxDepth)
    }

    /// Parses one JSON document from UTF-8 bytes; invalid UTF-8 is rejected.
    public static func parse(bytes: [UInt8], maxDepth: Int = JSON.defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        var p = JSONParser(bytes, maxDepth: maxDepth)
        return try p.parseDocument()
    }
}

/// JSON limits.
public enum JSON {
    /// Deepest nesting of arrays/objects the parser accepts.
    public static let defaultMaxDepth = 64
}

/// Why JSON text was rejected. Offsets are byte offsets into the UTF-8 input.
public enum JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Input ended in the middle of a value (or was empty).
    case unexpectedEnd
    /// A byte that cannot start or continue a value here.
    case unexpectedCharacter(offset: Int)
    /// `tru`, `nul`… — a misspelled literal.
    case invalidLiteral(offset: Int)
    /// A number that breaks the JSON grammar (leading zeros, `1.`, `-`, `.5`, …).
    case invalidNumber(offset: Int)
    /// A raw control character (< 0x20) inside a string.
    case controlCharacterInString(offset: Int)
    /// An escape other than `\" \\ \/ \b \f \n \r \t \u`, e.g. `\x`.
    case invalidEscape(offset: Int)
    /// A `\u` escape that is not 4 hex digits or is an unpaired surrogate.
    case invalidUnicodeEscape(offset: Int)
    /// Bytes that are not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// Nesting deeper than the limit.
    case tooDeep(offset: Int)
    /// The same key twice in one object.
    case duplicateKey(String)
    /// Something after the complete value.
    case trailingData(offset: Int)

    public var description: String {
        switch self {
        case .unexpectedEnd: return "unexpected end of JSON"
        case .unexpectedCharacter(let o): return "unexpected character at byte \(o)"
        case .invalidLiteral(let o): return "invalid literal at byte \(o)"
        case .invalidNumber(let o): return "invalid number at byte \(o)"
        case .controlCharacterInString(let o): return "unescaped control character in string at byte \(o)"
        case .invalidEscape(let o): return "invalid escape at byte \(o)"
        case .invalidUnicodeEscape(let o): return "invalid \\u escape at byte \(o)"
        case .invalidUTF8(let o): return "invalid UTF-8 at byte \(o)"
        case .tooDeep(let o): return "JSON nested too deeply at byte \(o)"
        case .duplicateKey(let k): return "duplicate key \(k.debugDescription)"
        case .trailingData(let o): return "trailing data after JSON value at byte \(o)"
        }
    }
}

/// Recursive-descent parser over UTF-8 bytes. Depth is bounded, so it cannot overflow
/// the stack; every index access is bounds-checked first, so no input can crash it.
struct JSONParser {
    let b: [UInt8]
    var pos = 0
    let maxDepth: Int

    init(_ bytes: [UInt8], maxDepth: Int) {
        b = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let v = try parseValue(depth: 0)
        skipWhitespace()
        if pos != b.count { throw .trailingData(offset: pos) }
        return v
    }

    mutating func skipWhitespace() {
        while pos < b.count {
            switch b[pos] {
            case 0x20, 0x09, 0x0a, 0x0d: pos += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard pos < b.count else { throw .unexpectedEnd }
        switch b[pos] {
        case 0x7b: return try parseObject(depth: depth + 1)
        case 0x5b: return try parseArray(depth: depth + 1)
        case 0x22: return .string(try parseString())
        case 0x74:
            try expectLiteral("true")
            return .bool(true)
        case 0x66:
            try expectLiteral("false")
            return .bool(false)
        case 0x6e:
            try expectLiteral("null")
            return .null
        case 0x2d, 0x30...0x39:
            let start = pos
            try scanNumber()
            return .number(JSONNumber(unchecked: String(decoding: b[start..<pos], as: UTF8.self)))
        default:
            throw .unexpectedCharacter(offset: pos)
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONParseError) {
        let start = pos
        let n = word.utf8CodeUnitCount
        let w = UnsafeBufferPointer(start: word.utf8Start, count: n)
        for i in 0..<n {
            guard pos < b.count else { throw .unexpectedEnd }
            guard b[pos] == w[i] else { throw .invalidLiteral(offset: start) }
            pos += 1
        }
    }

    /// Advances over a number per the JSON grammar: -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
    mutating func scanNumber() throws(JSONParseError) {
        let start = pos
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        if pos < b.count && b[pos] == 0x2d { pos += 1 }
        guard pos < b.count else { throw .unexpectedEnd }
        if b[pos] == 0x30 {
            pos += 1
            if pos < b.count && isDigit(b[pos]) { throw .invalidNumber(offset: start) }
        } else if isDigit(b[pos]) {
            while pos < b.count && isDigit(b[pos]) { pos += 1 }
        } else {
            throw .invalidNumber(offset: start)
        }
        if pos < b.count && b[pos] == 0x2e {
            pos += 1
            guard pos < b.count else { throw .unexpectedEnd }
            guard isDigit(b[pos]) else { throw .invalidNumber(offset: start) }
            while pos < b.count && isDigit(b[pos]) { pos += 1 }
        }
        if pos < b.count && (b[pos] == 0x65 || b[pos] == 0x45) {
            pos += 1
            if pos < b.count && (b[pos] == 0x2b || b[pos] == 0x2d) { pos += 1 }
            guard pos < b.count else { throw .unexpectedEnd }
            guard isDigit(b[pos]) else { throw .invalidNumber(offset: start) }
            while pos < b.count && isDigit(b[pos]) { pos += 1 }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw .tooDeep(offset: pos) }
        pos += 1  // [
        var items = [JSONValue]()
        skipWhitespace()
        guard pos < b.count else { throw .unexpectedEnd }
        if b[pos] == 0x5d {
            pos += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth))
            skipWhitespace()
            guard pos < b.count else { throw .unexpectedEnd }
            switch b[pos] {
            case 0x2c: pos += 1
            case 0x5d:
                pos += 1
                return .array(items)
            default: throw .unexpectedCharacter(offset: pos)
            }
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        if depth > maxDepth { throw .tooDeep(offset: pos) }
        pos += 1  // {
        var members = [(key: String, value: JSONValue)]()
        var seen = Set<String>()
        skipWhitespace()
        guard pos < b.count else { throw .unexpectedEnd }
        if b[pos] == 0x7d {
            pos += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard pos < b.count else { throw .unexpectedEnd }
            guard b[pos] == 0x22 else { throw .unexpectedCharacter(offset: pos) }
            let key = try parseString()
            guard seen.insert(key).inserted else { throw .duplicateKey(key) }
            skipWhitespace()
            guard pos < b.count else { throw .unexpectedEnd }
            guard b[pos] == 0x3a else { throw .unexpectedCharacter(offset: pos) }
            pos += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            guard pos < b.count else { throw .unexpectedEnd }
            switch b[pos] {
            case 0x2c: pos += 1
            case 0x7d:
                pos += 1
                return .object(members)
            default: throw .unexpectedCharacter(offset: pos)
            }
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        let start = pos
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard pos < b.count else { throw .unexpectedEnd }
            guard let n = Hex.nibble(b[pos]) else { throw .invalidUnicodeEscape(offset: start) }
            v = v << 4 | UInt32(n)
            pos += 1
        }
        return v
    }

    /// Parses a string starting at the opening quote, validating UTF-8 and escapes.
    mutating func parseString() throws(JSONParseError) -> String {
        pos += 1  // "
        var out = [UInt8]()
        while true {
            guard pos < b.count else { throw .unexpectedEnd }
            let c = b[pos]
            switch c {
            case 0x22:
                pos += 1
                return String(decoding: out, as: UTF8.self)
            case 0x5c:
                let escStart = pos
                pos += 1
                guard pos < b.count else { throw .unexpectedEnd }
                let e = b[pos]
                pos += 1
                switch e {
                case 0x22: out.append(0x22)
                case 0x5c: out.append(0x5c)
                case 0x2f: out.append(0x2f)
                case 0x62: out.append(0x08)
                case 0x66: out.append(0x0c)
                case 0x6e: out.append(0x0a)
                case 0x72: out.append(0x0d)
                case 0x74: out.append(0x09)
                case 0x75:
                    var scalar = try hex4()
                    if scalar >= 0xD800 && scalar <= 0xDBFF {
                        // High surrogate: a \u low surrogate must follow.
                        guard pos + 1 < b.count, b[pos] == 0x5c, b[pos + 1] == 0x75 else {
                            if pos >= b.count || (pos + 1 >= b.count && b[pos] == 0x5c) { throw .unexpectedEnd }
                            throw .invalidUnicodeEscape(offset: escStart)
                        }
                        pos += 2
                        let low = try hex4()
                        guard low >= 0xDC00 && low <= 0xDFFF else { throw .invalidUnicodeEscape(offset: escStart) }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                        throw .invalidUnicodeEscape(offset: escStart)
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw .invalidUnicodeEscape(offset: escStart) }
                    out.append(contentsOf: UTF8.encode(u)!)
                default:
                    throw .invalidEscape(offset: escStart)
                }
            case 0..<0x20:
                throw .controlCharacterInString(offset: pos)
            case 0x20..<0x80:
                out.append(c)
                pos += 1
            default:
                let n = try utf8SequenceLength(at: pos)
                out.append(contentsOf: b[pos..<(pos + n)])
                pos += n
            }
        }
    }

    /// Length of the valid UTF-8 multi-byte sequence at `i` (RFC 3629: no overlongs,
    /// no surrogates, nothing above U+10FFFF), or an error.
    func utf8SequenceLength(at i: Int) throws(JSONParseError) -> Int {
        let c0 = b[i]
        func cont(_ k: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) throws(JSONParseError) {
            guard i + k < b.count else { throw .unexpectedEnd }
            guard b[i + k] >= lo && b[i + k] <= hi else { throw .invalidUTF8(offset: i) }
        }
        switch c0 {
        case 0xC2...0xDF:
            try cont(1)
            return 2
        case 0xE0:
            try cont(1, 0xA0, 0xBF)
            try cont(2)
            return 3
        case 0xE1...0xEC, 0xEE...0xEF:
            try cont(1)
            try cont(2)
            return 3
        case 0xED:
            try cont(1, 0x80, 0x9F)
            try cont(2)
            return 3
        case 0xF0:
            try cont(1, 0x90, 0xBF)
            try cont(2)
            try cont(3)
            return 4
        case 0xF1...0xF3:
            try cont(1)
            try cont(2)
            try cont(3)
            return 4
        case 0xF4:
            try cont(1, 0x80, 0x8F)
            try cont(2)
            try cont(3)
            return 4
        default: throw .invalidUTF8(offset: i)
        }
    }
}
