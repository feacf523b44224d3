/// Why an event's JSON was rejected. Every case names the offending field.
public enum EventParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text was not JSON at all.
    case json(JSONParseError)
    /// The event is not a JSON object.
    case notAnObject
    /// A required field (`id`, `pubkey`, `created_at`, `kind`, `tags`, `content`, `sig`) is absent.
    case missingField(String)
    /// A field has the wrong JSON type (`expected` is e.g. "string", "integer", "array").
    case wrongType(field: String, expected: String)
    /// A hex field has the wrong length or non-lowercase-hex characters.
    case badHex(field: String, expectedLength: Int)
    /// `created_at` or `kind` has a fraction or exponent.
    case notAnInteger(field: String)
    /// `created_at` or `kind` is negative.
    case negative(field: String)
    /// `created_at` exceeds Int64, or `kind` exceeds 65535.
    case outOfRange(field: String)
    /// `tags[index]` is not an array.
    case tagNotArray(index: Int)
    /// `tags[tag][item]` is not a string.
    case tagItemNotString(tag: Int, item: Int)

    public var description: String {
        switch self {
        case .json(let e): return "bad JSON: \(e)"
        case .notAnObject: return "event is not a JSON object"
        case .missingField(let f): return "missing field '\(f)'"
        case .wrongType(let f, let t): return "field '\(f)' must be \(t)"
        case .badHex(let f, let n): return "field '\(f)' must be \(n) lowercase hex characters"
        case .notAnInteger(let f): return "field '\(f)' must be an integer"
        case .negative(let f): return "field '\(f)' must not be negative"
        case .outOfRange(let f): return "field '\(f)' is out of range"
        case .tagNotArray(let i): return "tag \(i) is not an array"
        case .tagItemNotString(let t, let i): return "tag \(t) item \(i) is not a string"
        }
    }
}

/// Integer field checks shared by event and filter parsing.
enum IntegerField {
    /// A non-negative integer ≤ `max` from a JSON number without fraction or exponent.
    static func nonNegative(_ v: JSONValue, max: Int64) -> Result<Int64, IntegerFieldProblem> {
        guard case .number(let n) = v else { return .failure(.wrongType) }
        guard n.isInteger else { return .failure(.notAnInteger) }
        if n.literal.hasPrefix("-") { return .failure(.negative) }
        guard let i = n.int64, i <= max else { return .failure(.outOfRange) }
        return .success(i)
    }
}

enum IntegerFieldProblem: Error { case wrongType, notAnInteger, negative, outOfRange }

extension NostrEvent {
    /// Largest kind NIP-01 allows.
    public static let maxKind = 65535

    /// Parses an event from JSON text.
    public static func parse(json text: String) throws(EventParseError) -> NostrEvent {
        let v: JSONValue
        do throws(JSONParseError) { v = try JSONValue.parse(text) } catch { throw .json(error) }
        return try NostrEvent(jsonValue: v)
    }

    /// Builds an event from a parsed JSON object, checking every field's type and form.
    /// Hex fields must be lowercase. Unknown fields are ignored. Does NOT check the id
    /// hash or signature: call `validate()` for that.
    public init(jsonValue v: JSONValue) throws(EventParseError) {
        guard case .object(let members) = v else { throw .notAnObject }
        func field(_ name: String) throws(EventParseError) -> JSONValue {
            guard let m = members.first(where: { $0.key == name }) else { throw .missingField(name) }
            return m.value
        }
        func hexField(_ name: String, _ length: Int) throws(EventParseError) -> String {
            guard case .string(let s) = try field(name) else { throw .wrongType(field: name, expected: "string") }
            guard Hex.isLowercaseHex(s, length: length) else { throw .badHex(field: name, expectedLength: length) }
            return s
        }
        func intField(_ name: String, max: Int64) throws(EventParseError) -> Int64 {
            switch IntegerField.nonNegative(try field(name), max: max) {
            case .success(let i): return i
            case .failure(.wrongType): throw .wrongType(field: name, expected: "integer")
            case .failure(.notAnInteger): throw .notAnInteger(field: name)
            case .failure(.negative): throw .negative(field: name)
            case .failure(.outOfRange): throw .outOfRange(field: name)
            }
        }
        let id = try hexField("id", 64)
        let pubkey = try hexField("pubkey", 64)
        let createdAt = try intField("created_at", max: Int64.max)
        let kind = try intField("kind", max: Int64(NostrEvent.maxKind))
        guard case .array(let rawTags) = try field("tags") else { throw .wrongType(field: "tags", expected: "array") }
        var tags = [[String]]()
        tags.reserveCapacity(rawTags.count)
        for (ti, t) in rawTags.enumerated() {
            guard case .array(let items) = t else { throw .tagNotArray(index: ti) }
            var tag = [String]()
            tag.reserveCapacity(items.count)
            for (ii, item) in items.enumerated() {
                guard case .string(let s) = item else { throw .tagItemNotString(tag: ti, item: ii) }
                tag.append(s)
            }
            tags.append(tag)
        }
        guard case .string(let content) = try field("content") else {
            throw .wrongType(field: "content", expected: "string")
        }
        let sig = try hexField("sig", 128)
        self.init(
            id: id, pubkey: pubkey, createdAt: createdAt, kind: Int(kind), tags: tags,
            content: content, sig: sig)
    }

    /// Appends the event's JSON (keys in the order id, pubkey, created_at, kind, tags,
    /// content, sig; no whitespace) to `out`.
    public func writeJSON(to out: inout [UInt8]) {
        out.append(contentsOf: #"{"id":"#.utf8)
        JSONBytes.appendString(id, to: &out)
        out.append(contentsOf: #","pubkey":"#.utf8)
        JSONBytes.appendString(pubkey, to: &out)
        out.append(contentsOf: #","created_at":"#.utf8)
        JSONBytes.appendInt(createdAt, to: &out)
        out.append(contentsOf: #","kind":"#.utf8)
        JSONBytes.appendInt(Int64(kind), to: &out)
        out.append(contentsOf: #","tags":"#.utf8)
        JSONBytes.appendTags(tags, to: &out)
        out.append(contentsOf: #","content":"#.utf8)
        JSONBytes.appendString(content, to: &out)
        out.append(contentsOf: #","sig":"#.utf8)
        JSONBytes.appendString(sig, to: &out)
        out.append(0x7d)
    }

    /// The event as compact JSON with a stable key order.
    public var json: String {
        var out = [UInt8]()
        out.reserveCapacity(JSONBytes.estimate(tags: tags, content: content) + 256)
        writeJSON(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The event as a JSON value (same key order as `json`).
    public var jsonValue: JSONValue {
        .object([
            ("id", .string(id)), ("pubkey", .string(pubkey)), ("created_at", .int(createdAt)),
            ("kind", .int(kind)), ("tags", .array(tags.map { .array($0.map { .string($0) }) })),
            ("content", .string(content)), ("sig", .string(sig)),
        ])
    }
}
