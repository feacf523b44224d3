/// Why a NIP-01 client or relay message was rejected.
public enum MessageParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text was not JSON.
    case json(JSONParseError)
    /// The message is not a JSON array.
    case notAnArray
    /// The array is empty.
    case emptyArray
    /// The first element is not a string.
    case typeNotString
    /// The first element names no message this side understands.
    case unknownType(String)
    /// Wrong number of elements for the message type (`expected` like "2" or "at least 3").
    case wrongArity(type: String, expected: String, got: Int)
    /// Element `position` has the wrong JSON type.
    case wrongType(type: String, position: Int, expected: String)
    /// A subscription id that is empty or longer than 64 characters.
    case badSubscriptionID(String)
    /// An OK message's event id is not 64 lowercase hex characters.
    case badEventID
    /// The embedded event is malformed.
    case event(EventParseError)
    /// Filter number `index` (0-based among the REQ's filters) is malformed.
    case filter(index: Int, FilterParseError)

    public var description: String {
        switch self {
        case .json(let e): return "bad JSON: \(e)"
        case .notAnArray: return "message is not a JSON array"
        case .emptyArray: return "message is an empty array"
        case .typeNotString: return "message type is not a string"
        case .unknownType(let t): return "unknown message type \(t.debugDescription)"
        case .wrongArity(let t, let e, let g): return "\(t) message needs \(e) elements, got \(g)"
        case .wrongType(let t, let p, let e): return "\(t) message element \(p) must be \(e)"
        case .badSubscriptionID(let s): return "bad subscription id \(s.debugDescription)"
        case .badEventID: return "event id must be 64 lowercase hex characters"
        case .event(let e): return "bad event: \(e)"
        case .filter(let i, let e): return "bad filter \(i): \(e)"
        }
    }
}

/// NIP-01 subscription id rule: non-empty, at most 64 characters.
public enum SubscriptionID {
    public static let maxLength = 64
    public static func isValid(_ s: String) -> Bool { !s.isEmpty && s.count <= maxLength }
}

/// Shared pieces of message parsing.
enum MessageParsing {
    static func array(_ text: String) throws(MessageParseError) -> (type: String, items: [JSONValue]) {
        let v: JSONValue
        do throws(JSONParseError) { v = try JSONValue.parse(text) } catch { throw .json(error) }
        guard case .array(let items) = v else { throw .notAnArray }
        guard let first = items.first else { throw .emptyArray }
        guard case .string(let type) = first else { throw .typeNotString }
        return (type, items)
    }

    static func arity(_ type: String, _ items: [JSONValue], _ n: Int) throws(MessageParseError) {
        guard items.count == n else { throw .wrongArity(type: type, expected: "\(n)", got: items.count) }
    }

    static func string(_ type: String, _ items: [JSONValue], _ i: Int) throws(MessageParseError) -> String {
        guard case .string(let s) = items[i] else { throw .wrongType(type: type, position: i, expected: "string") }
        return s
    }

    static func subID(_ type: String, _ items: [JSONValue], _ i: Int) throws(MessageParseError) -> String {
        let s = try string(type, items, i)
        guard SubscriptionID.isValid(s) else { throw .badSubscriptionID(s) }
        return s
    }

    static func event(_ v: JSONValue) throws(MessageParseError) -> NostrEvent {
        do throws(EventParseError) { return try NostrEvent(jsonValue: v) } catch { throw .event(error) }
    }
}

/// A client→relay message.
public enum ClientMessage: Equatable, Sendable {
    /// `["EVENT", <event>]`
    case event(NostrEvent)
    /// `["REQ", <subID>, <filter>, ...]` (at least one filter)
    case req(subID: String, filters: [Filter])
    /// `["CLOSE", <subID>]`
    case close(subID: String)

    /// Parses a client message; strict about arity, types and subscription ids.
    public static func parse(_ text: String) throws(MessageParseError) -> ClientMessage {
        let (type, items) = try MessageParsing.array(text)
        switch type {
        case "EVENT":
            try MessageParsing.arity(type, items, 2)
            return .event(try MessageParsing.event(items[1]))
        case "REQ":
            guard items.count >= 3 else { throw .wrongArity(type: type, expected: "at least 3", got: items.count) }
            let sub = try MessageParsing.subID(type, items, 1)
            var filters = [Filter]()
            for (i, f) in items.dropFirst(2).enumerated() {
                do throws(FilterParseError) { filters.append(try Filter(jsonValue: f)) } catch {
                    throw .filter(index: i, error)
                }
            }
            return .req(subID: sub, filters: filters)
        case "CLOSE":
            try MessageParsing.arity(type, items, 2)
            return .close(subID: try MessageParsing.subID(type, items, 1))
        default:
            throw .unknownType(type)
        }
    }

    /// The message as a JSON value.
    public var jsonValue: JSONValue {
        switch self {
        case .event(let e): return .array([.string("EVENT"), e.jsonValue])
        case .req(let sub, let filters): return .array([.string("REQ"), .string(sub)] + filters.map(\.jsonValue))
        case .close(let sub): return .array([.string("CLOSE"), .string(sub)])
        }
    }

    /// Compact JSON text of the message.
    public var json: String {
        switch self {
        case .event(let e):
            var out = Array(#"["EVENT","#.utf8)
            e.writeJSON(to: &out)
            out.append(0x5d)
            return String(decoding: out, as: UTF8.self)
        default:
            return jsonValue.json
        }
    }
}

/// A relay→client message.
public enum RelayMessage: Equatable, Sendable {
    /// `["EVENT", <subID>, <event>]`
    case event(subID: String, NostrEvent)
    /// `["OK", <event id>, <true|false>, <message>]`
    case ok(eventID: String, accepted: Bool, message: String)
    /// `["EOSE", <subID>]`
    case eose(subID: String)
    /// `["CLOSED", <subID>, <message>]`
    case closed(subID: String, message: String)
    /// `["NOTICE", <message>]`
    case notice(String)

    /// Parses a relay message; strict about arity and types.
    public static func parse(_ text: String) throws(MessageParseError) -> RelayMessage {
        let (type, items) = try MessageParsing.array(text)
        switch type {
        case "EVENT":
            try MessageParsing.arity(type, items, 3)
            let sub = try MessageParsing.subID(type, items, 1)
            return .event(subID: sub, try MessageParsing.event(items[2]))
        case "OK":
            try MessageParsing.arity(type, items, 4)
            let id = try MessageParsing.string(type, items, 1)
            guard Hex.isLowercaseHex(id, length: 64) else { throw .badEventID }
            guard case .bool(let accepted) = items[2] else {
                throw .wrongType(type: type, position: 2, expected: "bool")
            }
            return .ok(eventID: id, accepted: accepted, message: try MessageParsing.string(type, items, 3))
        case "EOSE":
            try MessageParsing.arity(type, items, 2)
            return .eose(subID: try MessageParsing.subID(type, items, 1))
        case "CLOSED":
            try MessageParsing.arity(type, items, 3)
            let sub = try MessageParsing.subID(type, items, 1)
            return .closed(subID: sub, message: try MessageParsing.string(type, items, 2))
        case "NOTICE":
            try MessageParsing.arity(type, items, 2)
            return .notice(try MessageParsing.string(type, items, 1))
        default:
            throw .unknownType(type)
        }
    }

    /// The message as a JSON value.
    public var jsonValue: JSONValue {
        switch self {
        case .event(let sub, let e): return .array([.string("EVENT"), .string(sub), e.jsonValue])
        case .ok(let id, let accepted, let message):
            return .array([.string("OK"), .string(id), .bool(accepted), .string(message)])
        case .eose(let sub): return .array([.string("EOSE"), .string(sub)])
        case .closed(let sub, let message): return .array([.string("CLOSED"), .string(sub), .string(message)])
        case .notice(let message): return .array([.string("NOTICE"), .string(message)])
        }
    }

    /// Compact JSON text of the message.
    public var json: String {
        switch self {
        case .event(let sub, let e):
            var out = Array(#"["EVENT","#.utf8)
            JSONBytes.appendString(sub, to: &out)
            out.append(0x2c)
            e.writeJSON(to: &out)
            out.append(0x5d)
            return String(decoding: out, as: UTF8.self)
        default:
            return jsonValue.json
        }
    }
}
