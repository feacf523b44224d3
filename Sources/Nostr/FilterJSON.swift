/// Why a filter's JSON was rejected. Cases name the field.
public enum FilterParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text was not JSON.
    case json(JSONParseError)
    /// The filter is not a JSON object.
    case notAnObject
    /// A key that is not `ids`, `authors`, `kinds`, `#<letter>`, `since`, `until` or `limit`.
    case unknownField(String)
    /// A field (or an element of it) has the wrong JSON type.
    case wrongType(field: String, expected: String)
    /// An `ids`/`authors` element is not 64 lowercase hex characters.
    case badHex(field: String, index: Int)
    /// An integer field has a fraction or exponent.
    case notAnInteger(field: String)
    /// An integer field is negative.
    case negative(field: String)
    /// An integer field is too large (`kinds` above 65535, others above Int64).
    case outOfRange(field: String)

    public var description: String {
        switch self {
        case .json(let e): return "bad JSON: \(e)"
        case .notAnObject: return "filter is not a JSON object"
        case .unknownField(let f): return "unknown filter field '\(f)'"
        case .wrongType(let f, let t): return "filter field '\(f)' must be \(t)"
        case .badHex(let f, let i): return "filter field '\(f)' item \(i) must be 64 lowercase hex characters"
        case .notAnInteger(let f): return "filter field '\(f)' must be an integer"
        case .negative(let f): return "filter field '\(f)' must not be negative"
        case .outOfRange(let f): return "filter field '\(f)' is out of range"
        }
    }
}

extension Filter {
    /// Parses a filter from JSON text.
    public static func parse(json text: String) throws(FilterParseError) -> Filter {
        let v: JSONValue
        do throws(JSONParseError) { v = try JSONValue.parse(text) } catch { throw .json(error) }
        return try Filter(jsonValue: v)
    }

    /// True for `#x` keys with a single ASCII letter.
    static func isTagKey(_ key: String) -> Bool {
        let u = Array(key.utf8)
        return u.count == 2 && u[0] == 0x23 && ((u[1] >= 0x61 && u[1] <= 0x7a) || (u[1] >= 0x41 && u[1] <= 0x5a))
    }

    /// Builds a filter from a JSON object. Strict: unknown keys, wrong types, non-hex
    /// ids/authors, negative or fractional numbers are all errors.
    public init(jsonValue v: JSONValue) throws(FilterParseError) {
        guard case .object(let members) = v else { throw .notAnObject }
        self.init()
        func integer(_ name: String, _ value: JSONValue, max: Int64) throws(FilterParseError) -> Int64 {
            switch IntegerField.nonNegative(value, max: max) {
            case .success(let i): return i
            case .failure(.wrongType): throw .wrongType(field: name, expected: "integer")
            case .failure(.notAnInteger): throw .notAnInteger(field: name)
            case .failure(.negative): throw .negative(field: name)
            case .failure(.outOfRange): throw .outOfRange(field: name)
            }
        }
        func strings(_ name: String, _ value: JSONValue) throws(FilterParseError) -> [String] {
            guard case .array(let items) = value else { throw .wrongType(field: name, expected: "array of strings") }
            var out = [String]()
            out.reserveCapacity(items.count)
            for item in items {
                guard case .string(let s) = item else { throw .wrongType(field: name, expected: "array of strings") }
                out.append(s)
            }
            return out
        }
        func hexes(_ name: String, _ value: JSONValue) throws(FilterParseError) -> [String] {
            let list = try strings(name, value)
            for (i, s) in list.enumerated() where !Hex.isLowercaseHex(s, length: 64) {
                throw .badHex(field: name, index: i)
            }
            return list
        }
        for (key, value) in members {
            switch key {
            case "ids": ids = try hexes(key, value)
            case "authors": authors = try hexes(key, value)
            case "kinds":
                guard case .array(let items) = value else {
                    throw .wrongType(field: key, expected: "array of integers")
                }
                var ks = [Int]()
                for item in items { ks.append(Int(try integer(key, item, max: Int64(NostrEvent.maxKind)))) }
                kinds = ks
            case "since": since = try integer(key, value, max: Int64.max)
            case "until": until = try integer(key, value, max: Int64.max)
            case "limit": limit = Int(try integer(key, value, max: Int64(Int.max)))
            default:
                guard Filter.isTagKey(key) else { throw .unknownField(key) }
                tags[String(key.dropFirst())] = try strings(key, value)
            }
        }
    }

    /// The filter as a JSON value; keys in the order ids, authors, kinds, `#x` (sorted by
    /// letter), since, until, limit. Absent fields are omitted.
    public var jsonValue: JSONValue {
        var m = [(key: String, value: JSONValue)]()
        if let ids { m.append(("ids", .array(ids.map { .string($0) }))) }
        if let authors { m.append(("authors", .array(authors.map { .string($0) }))) }
        if let kinds { m.append(("kinds", .array(kinds.map { .int($0) }))) }
        for letter in tags.keys.sorted() {
            m.append(("#" + letter, .array(tags[letter]!.map { .string($0) })))
        }
        if let since { m.append(("since", .int(since))) }
        if let until { m.append(("until", .int(until))) }
        if let limit { m.append(("limit", .int(limit))) }
        return .object(m)
    }

    /// Compact JSON of `jsonValue`.
    public var json: String { jsonValue.json }
}
