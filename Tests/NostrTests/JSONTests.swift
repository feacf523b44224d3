import Testing

@testable import Nostr

@Suite struct JSONParserTests {
    @Test func parsesAllTypes() throws {
        let v = try JSONValue.parse(#" { "a" : [1, -2.5e3, true, false, null, "s"], "b": {}, "c": [] } "#)
        #expect(
            v
                == .object([
                    (
                        "a",
                        .array([
                            .int(1), .number(JSONNumber(literal: "-2.5e3")!), .bool(true), .bool(false), .null,
                            .string("s"),
                        ])
                    ),
                    ("b", .object([])), ("c", .array([])),
                ]))
        #expect(v["a"]?.typeName == "array")
        #expect(v["zz"] == nil)
    }

    @Test func objectKeysKeepOrder() throws {
        let v = try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#)
        guard case .object(let m) = v else {
            Issue.record("not an object")
            return
        }
        #expect(m.map(\.key) == ["z", "a", "m"])
        #expect(v.json == #"{"z":1,"a":2,"m":3}"#)
    }

    @Test func integersStayExact() throws {
        let big = try JSONValue.parse("9223372036854775807")
        guard case .number(let n) = big else {
            Issue.record("not a number")
            return
        }
        #expect(n.int64 == Int64.max)
        #expect(n.literal == "9223372036854775807")
        guard case .number(let over) = try JSONValue.parse("9223372036854775808") else { return }
        #expect(over.int64 == nil)
        #expect(over.isInteger)
        guard case .number(let frac) = try JSONValue.parse("1.0") else { return }
        #expect(frac.int64 == nil)
        #expect(frac.double == 1.0)
    }

    @Test func stringEscapes() throws {
        let v = try JSONValue.parse(#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \ud83c\udf89""#)
        #expect(v == .string("\" \\ / \u{8} \u{c} \n \r \t A é 🎉"))
        // The writer escapes the NIP-01 way: `/` raw, non-ASCII raw.
        #expect(v.json == #""\" \\ / \b \f \n \r \t A é 🎉""#)
        #expect(try JSONValue.parse(#""\u0000""#) == .string("\u{0}"))
    }

    @Test func writerRoundTrip() throws {
        let text = #"[{"k":["a",1,-0.5,1e+20,true,null]},"x\u0001y",[]]"#
        let v = try JSONValue.parse(text)
        #expect(v.json == text)
        #expect(try JSONValue.parse(v.json) == v)
    }

    @Test func numberConstructors() {
        #expect(JSONNumber(42).literal == "42")
        #expect(JSONNumber(2.0)?.literal == "2")
        #expect(JSONNumber(Double.nan) == nil)
        #expect(JSONNumber(literal: "01") == nil)
        #expect(JSONNumber(literal: "1.") == nil)
        #expect(JSONNumber(literal: "-0.5e-7") != nil)
    }

    /// Each malformed document and the exact error it must produce.
    static let malformed: [(String, JSONParseError)] = [
        ("", .unexpectedEnd),
        ("   ", .unexpectedEnd),
        ("[1,2", .unexpectedEnd),
        ("{\"a\":", .unexpectedEnd),
        ("\"abc", .unexpectedEnd),
        ("[1 2]", .unexpectedCharacter(offset: 3)),
        ("[1,]", .unexpectedCharacter(offset: 3)),
        ("{\"a\" 1}", .unexpectedCharacter(offset: 5)),
        ("{a:1}", .unexpectedCharacter(offset: 1)),
        ("{\"a\":1,}", .unexpectedCharacter(offset: 7)),
        ("'x'", .unexpectedCharacter(offset: 0)),
        ("tru", .unexpectedEnd),
        ("trux", .invalidLiteral(offset: 0)),
        ("nul", .unexpectedEnd),
        ("NaN", .unexpectedCharacter(offset: 0)),
        ("01", .invalidNumber(offset: 0)),
        ("-", .unexpectedEnd),
        ("-a", .invalidNumber(offset: 0)),
        ("1.", .unexpectedEnd),
        ("1.e5", .invalidNumber(offset: 0)),
        ("1e", .unexpectedEnd),
        ("1e+x", .invalidNumber(offset: 0)),
        (".5", .unexpectedCharacter(offset: 0)),
        ("+1", .unexpectedCharacter(offset: 0)),
        ("\"a\nb\"", .controlCharacterInString(offset: 2)),
        ("\"\\x\"", .invalidEscape(offset: 1)),
        ("\"\\u12g4\"", .invalidUnicodeEscape(offset: 3)),
        ("\"\\ud800\"", .invalidUnicodeEscape(offset: 1)),
        ("\"\\udc00\"", .invalidUnicodeEscape(offset: 1)),
        ("\"\\ud800\\u0041\"", .invalidUnicodeEscape(offset: 1)),
        ("{\"a\":1,\"a\":2}", .duplicateKey("a")),
        ("1 2", .trailingData(offset: 2)),
        ("[] x", .trailingData(offset: 3)),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedDocuments(_ i: Int) {
        let (text, error) = Self.malformed[i]
        #expect(throws: error, "input \(text.debugDescription)") { try JSONValue.parse(text) }
    }

    @Test func invalidUTF8() throws {
        let cases: [([UInt8], JSONParseError)] = [
            ([0x22, 0xff, 0x22], .invalidUTF8(offset: 1)),
            ([0x22, 0xc0, 0x80, 0x22], .invalidUTF8(offset: 1)),  // overlong NUL
            ([0x22, 0xed, 0xa0, 0x80, 0x22], .invalidUTF8(offset: 1)),  // encoded surrogate
            ([0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8(offset: 1)),  // > U+10FFFF
            ([0x22, 0xe2, 0x82], .unexpectedEnd),
            ([0xc3, 0xa9], .unexpectedCharacter(offset: 0)),  // non-ASCII outside a string
        ]
        for (bytes, err) in cases {
            #expect(throws: err) { try JSONValue.parse(bytes: bytes) }
        }
        #expect(try JSONValue.parse(bytes: [0x22, 0xc3, 0xa9, 0x22]) == .string("é"))
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONValue.parse(ok) }
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParseError.tooDeep(offset: 64)) { try JSONValue.parse(deep) }
        let objs = String(repeating: "{\"a\":", count: 100_000)
        #expect(throws: JSONParseError.tooDeep(offset: 320)) { try JSONValue.parse(objs) }
        #expect(throws: JSONParseError.tooDeep(offset: 2)) { try JSONValue.parse("[[[]]]", maxDepth: 2) }
    }
}
