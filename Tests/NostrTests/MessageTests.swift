import Testing

@testable import Nostr

/// A valid event's JSON with one field replaced by raw JSON text (or removed when nil).
func eventJSON(_ e: NostrEvent, replacing field: String, with raw: String?) -> String {
    var members: [(String, String)] = [
        ("id", "\"\(e.id)\""), ("pubkey", "\"\(e.pubkey)\""), ("created_at", "\(e.createdAt)"),
        ("kind", "\(e.kind)"), ("tags", JSONValue.array(e.tags.map { .array($0.map { .string($0) }) }).json),
        ("content", JSONValue.string(e.content).json), ("sig", "\"\(e.sig)\""),
    ]
    if let i = members.firstIndex(where: { $0.0 == field }) {
        if let raw { members[i].1 = raw } else { members.remove(at: i) }
    }
    return "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
}

@Suite struct EventJSONTests {
    static let event = NostrEvent.signed(
        kind: 1621, tags: [["a", "30617:abc:repo"], ["subject", "bug \"x\""], []],
        content: "line1\nline2 / é", createdAt: 1_700_000_123,
        keyPair: TestKeys.alice, auxRand: TestKeys.zeroAux)

    @Test func encodeKeyOrderAndRoundTrip() throws {
        let e = Self.event
        let json = e.json
        #expect(
            json.hasPrefix(
                "{\"id\":\"\(e.id)\",\"pubkey\":\"\(e.pubkey)\",\"created_at\":1700000123,\"kind\":1621,\"tags\":"))
        #expect(json.hasSuffix(",\"content\":\"line1\\nline2 / é\",\"sig\":\"\(e.sig)\"}"))
        let back = try NostrEvent.parse(json: json)
        #expect(back == e)
        try back.validate()
        #expect(e.jsonValue.json == json)
    }

    @Test func ignoresUnknownFieldsAndWhitespace() throws {
        let e = Self.event
        let text = " {\n \"extra\": [1], " + String(eventJSON(e, replacing: "", with: nil).dropFirst())
        #expect(try NostrEvent.parse(json: text) == e)
    }

    static let badFields: [(field: String, raw: String?, error: EventParseError)] = [
        ("id", nil, .missingField("id")),
        ("pubkey", nil, .missingField("pubkey")),
        ("created_at", nil, .missingField("created_at")),
        ("kind", nil, .missingField("kind")),
        ("tags", nil, .missingField("tags")),
        ("content", nil, .missingField("content")),
        ("sig", nil, .missingField("sig")),
        ("id", "5", .wrongType(field: "id", expected: "string")),
        ("id", "\"abc\"", .badHex(field: "id", expectedLength: 64)),
        ("id", "\"" + String(repeating: "A", count: 64) + "\"", .badHex(field: "id", expectedLength: 64)),
        ("pubkey", "\"" + String(repeating: "g", count: 64) + "\"", .badHex(field: "pubkey", expectedLength: 64)),
        ("sig", "\"" + String(repeating: "0", count: 126) + "\"", .badHex(field: "sig", expectedLength: 128)),
        ("sig", "null", .wrongType(field: "sig", expected: "string")),
        ("created_at", "\"1700000000\"", .wrongType(field: "created_at", expected: "integer")),
        ("created_at", "-1", .negative(field: "created_at")),
        ("created_at", "1.5", .notAnInteger(field: "created_at")),
        ("created_at", "1e9", .notAnInteger(field: "created_at")),
        ("created_at", "9223372036854775808", .outOfRange(field: "created_at")),
        ("kind", "true", .wrongType(field: "kind", expected: "integer")),
        ("kind", "-3", .negative(field: "kind")),
        ("kind", "1.0", .notAnInteger(field: "kind")),
        ("kind", "65536", .outOfRange(field: "kind")),
        ("tags", "{}", .wrongType(field: "tags", expected: "array")),
        ("tags", "[[\"a\"],\"b\"]", .tagNotArray(index: 1)),
        ("tags", "[[\"a\",1]]", .tagItemNotString(tag: 0, item: 1)),
        ("tags", "[[\"a\"],[\"b\",null]]", .tagItemNotString(tag: 1, item: 1)),
        ("content", "[]", .wrongType(field: "content", expected: "string")),
    ]

    @Test(arguments: 0..<badFields.count)
    func malformedEvents(_ i: Int) {
        let c = Self.badFields[i]
        let text = eventJSON(Self.event, replacing: c.field, with: c.raw)
        #expect(throws: c.error, "\(c.field) = \(c.raw ?? "<missing>")") { try NostrEvent.parse(json: text) }
    }

    @Test func notObjectsAndBadJSON() {
        #expect(throws: EventParseError.notAnObject) { try NostrEvent.parse(json: "[]") }
        #expect(throws: EventParseError.json(.unexpectedEnd)) { try NostrEvent.parse(json: "{") }
    }

    @Test func boundaryValuesAccepted() throws {
        let e = NostrEvent.signed(
            kind: 65535, content: "", createdAt: 0, keyPair: TestKeys.bob, auxRand: TestKeys.zeroAux)
        let back = try NostrEvent.parse(json: e.json)
        #expect(back.kind == 65535 && back.createdAt == 0)
        try back.validate()
    }
}

@Suite struct FilterJSONTests {
    static let hexA = String(repeating: "a", count: 64)
    static let hexB = String(repeating: "b", count: 64)

    @Test func roundTrip() throws {
        let f = Filter(
            ids: [Self.hexA], authors: [Self.hexB], kinds: [1, 30617], tags: ["e": ["x"], "a": ["y", "z"]],
            since: 10, until: 20, limit: 5)
        let json = f.json
        #expect(
            json
                == "{\"ids\":[\"\(Self.hexA)\"],\"authors\":[\"\(Self.hexB)\"],\"kinds\":[1,30617],\"#a\":[\"y\",\"z\"],\"#e\":[\"x\"],\"since\":10,\"until\":20,\"limit\":5}"
        )
        #expect(try Filter.parse(json: json) == f)
        #expect(try Filter.parse(json: "{}") == Filter())
        #expect(try Filter.parse(json: "{\"limit\":0,\"#Z\":[]}") == Filter(tags: ["Z": []], limit: 0))
    }

    static let bad: [(String, FilterParseError)] = [
        ("[]", .notAnObject),
        ("{\"search\":\"x\"}", .unknownField("search")),
        ("{\"#ab\":[\"x\"]}", .unknownField("#ab")),
        ("{\"#1\":[\"x\"]}", .unknownField("#1")),
        ("{\"ids\":\"abc\"}", .wrongType(field: "ids", expected: "array of strings")),
        ("{\"ids\":[1]}", .wrongType(field: "ids", expected: "array of strings")),
        ("{\"ids\":[\"\(hexA)\",\"abc\"]}", .badHex(field: "ids", index: 1)),
        ("{\"authors\":[\"\(hexA.uppercased())\"]}", .badHex(field: "authors", index: 0)),
        ("{\"kinds\":1}", .wrongType(field: "kinds", expected: "array of integers")),
        ("{\"kinds\":[\"1\"]}", .wrongType(field: "kinds", expected: "integer")),
        ("{\"kinds\":[1.5]}", .notAnInteger(field: "kinds")),
        ("{\"kinds\":[-1]}", .negative(field: "kinds")),
        ("{\"kinds\":[70000]}", .outOfRange(field: "kinds")),
        ("{\"#e\":\"x\"}", .wrongType(field: "#e", expected: "array of strings")),
        ("{\"#e\":[null]}", .wrongType(field: "#e", expected: "array of strings")),
        ("{\"since\":\"1\"}", .wrongType(field: "since", expected: "integer")),
        ("{\"until\":-5}", .negative(field: "until")),
        ("{\"limit\":-1}", .negative(field: "limit")),
        ("{\"limit\":2.5}", .notAnInteger(field: "limit")),
        ("{\"limit\":99999999999999999999}", .outOfRange(field: "limit")),
        ("{\"limit\":1", .json(.unexpectedEnd)),
    ]

    @Test(arguments: 0..<bad.count)
    func malformedFilters(_ i: Int) {
        let (text, error) = Self.bad[i]
        #expect(throws: error, "\(text)") { try Filter.parse(json: text) }
    }
}

@Suite struct ClientMessageTests {
    static let event = EventJSONTests.event

    @Test func roundTrips() throws {
        let msgs: [ClientMessage] = [
            .event(Self.event),
            .req(subID: "sub-1", filters: [Filter(kinds: [30617]), Filter(authors: [Self.event.pubkey], limit: 10)]),
            .close(subID: "sub-1"),
        ]
        for m in msgs {
            #expect(try ClientMessage.parse(m.json) == m)
            #expect(m.json == m.jsonValue.json)
        }
        #expect(ClientMessage.close(subID: "s").json == #"["CLOSE","s"]"#)
        #expect(ClientMessage.req(subID: "s", filters: [Filter(kinds: [1])]).json == #"["REQ","s",{"kinds":[1]}]"#)
        #expect(ClientMessage.event(Self.event).json == "[\"EVENT\",\(Self.event.json)]")
    }

    static let bad: [(String, MessageParseError)] = [
        ("", .json(.unexpectedEnd)),
        ("{}", .notAnArray),
        ("[]", .emptyArray),
        ("[1]", .typeNotString),
        ("[\"AUTH\",\"x\"]", .unknownType("AUTH")),
        ("[\"event\",{}]", .unknownType("event")),
        ("[\"EVENT\"]", .wrongArity(type: "EVENT", expected: "2", got: 1)),
        ("[\"EVENT\",{},{}]", .wrongArity(type: "EVENT", expected: "2", got: 3)),
        ("[\"EVENT\",[]]", .event(.notAnObject)),
        ("[\"EVENT\",{}]", .event(.missingField("id"))),
        ("[\"REQ\",\"s\"]", .wrongArity(type: "REQ", expected: "at least 3", got: 2)),
        ("[\"REQ\",1,{}]", .wrongType(type: "REQ", position: 1, expected: "string")),
        ("[\"REQ\",\"\",{}]", .badSubscriptionID("")),
        (
            "[\"REQ\",\"\(String(repeating: "x", count: 65))\",{}]",
            .badSubscriptionID(String(repeating: "x", count: 65))
        ),
        ("[\"REQ\",\"s\",{},{\"limit\":-1}]", .filter(index: 1, .negative(field: "limit"))),
        ("[\"REQ\",\"s\",[]]", .filter(index: 0, .notAnObject)),
        ("[\"CLOSE\"]", .wrongArity(type: "CLOSE", expected: "2", got: 1)),
        ("[\"CLOSE\",null]", .wrongType(type: "CLOSE", position: 1, expected: "string")),
        ("[\"CLOSE\",\"s\",\"t\"]", .wrongArity(type: "CLOSE", expected: "2", got: 3)),
    ]

    @Test(arguments: 0..<bad.count)
    func malformedClientMessages(_ i: Int) {
        let (text, error) = Self.bad[i]
        #expect(throws: error, "\(text)") { try ClientMessage.parse(text) }
    }

    @Test func subscriptionIDOf64CharsAccepted() throws {
        let sub = String(repeating: "é", count: 64)
        #expect(try ClientMessage.parse("[\"CLOSE\",\"\(sub)\"]") == .close(subID: sub))
    }
}

@Suite struct RelayMessageTests {
    static let event = EventJSONTests.event

    @Test func roundTrips() throws {
        let msgs: [RelayMessage] = [
            .event(subID: "s", Self.event),
            .ok(eventID: Self.event.id, accepted: true, message: "purgatory: won't be served until git data arrives"),
            .ok(eventID: Self.event.id, accepted: false, message: "invalid: bad \"sig\""),
            .eose(subID: "s"),
            .closed(subID: "s", message: "error: shutting down"),
            .notice("hello\n/world"),
        ]
        for m in msgs {
            #expect(try RelayMessage.parse(m.json) == m)
            #expect(m.json == m.jsonValue.json)
        }
        #expect(
            RelayMessage.ok(eventID: Self.event.id, accepted: true, message: "").json
                == "[\"OK\",\"\(Self.event.id)\",true,\"\"]")
        #expect(RelayMessage.eose(subID: "x").json == #"["EOSE","x"]"#)
        #expect(RelayMessage.notice("a/b").json == #"["NOTICE","a/b"]"#)
    }

    static let id = String(repeating: "c", count: 64)
    static let bad: [(String, MessageParseError)] = [
        ("\"OK\"", .notAnArray),
        ("[\"REQ\",\"s\",{}]", .unknownType("REQ")),
        ("[\"EVENT\",\"s\"]", .wrongArity(type: "EVENT", expected: "3", got: 2)),
        ("[\"EVENT\",\"s\",{\"id\":1}]", .event(.wrongType(field: "id", expected: "string"))),
        ("[\"EVENT\",\"\",{}]", .badSubscriptionID("")),
        ("[\"OK\",\"\(id)\",true]", .wrongArity(type: "OK", expected: "4", got: 3)),
        ("[\"OK\",\"abc\",true,\"\"]", .badEventID),
        ("[\"OK\",5,true,\"\"]", .wrongType(type: "OK", position: 1, expected: "string")),
        ("[\"OK\",\"\(id)\",\"true\",\"\"]", .wrongType(type: "OK", position: 2, expected: "bool")),
        ("[\"OK\",\"\(id)\",false,null]", .wrongType(type: "OK", position: 3, expected: "string")),
        ("[\"EOSE\"]", .wrongArity(type: "EOSE", expected: "2", got: 1)),
        ("[\"CLOSED\",\"s\"]", .wrongArity(type: "CLOSED", expected: "3", got: 2)),
        ("[\"CLOSED\",\"s\",1]", .wrongType(type: "CLOSED", position: 2, expected: "string")),
        ("[\"NOTICE\"]", .wrongArity(type: "NOTICE", expected: "2", got: 1)),
        ("[\"NOTICE\",[]]", .wrongType(type: "NOTICE", position: 1, expected: "string")),
        ("[\"NOTICE\",\"a\"] x", .json(.trailingData(offset: 15))),
    ]

    @Test(arguments: 0..<bad.count)
    func malformedRelayMessages(_ i: Int) {
        let (text, error) = Self.bad[i]
        #expect(throws: error, "\(text)") { try RelayMessage.parse(text) }
    }
}
