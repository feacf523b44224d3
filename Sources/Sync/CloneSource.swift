// A clone URL and the domain it is throttled by (GRASP-02, SPEC §5).

/// One clone URL the repository's data may be fetched from.
public struct CloneSource: Sendable, Hashable {
    public var url: String
    /// Host the throttle and block list are kept for (lowercase, no port, no user).
    public var domain: String
    /// The URL came from an announcement that is still in purgatory (SPEC §8.2).
    public var fromPurgatory: Bool

    public init(url: String, domain: String, fromPurgatory: Bool = false) {
        self.url = url
        self.domain = domain
        self.fromPurgatory = fromPurgatory
    }

    /// Derives `domain` from the URL (see `domain(ofURL:)`).
    public init(url: String, fromPurgatory: Bool = false) {
        self.init(url: url, domain: CloneSource.domain(ofURL: url), fromPurgatory: fromPurgatory)
    }

    /// The host of `https://user@Host:8080/path`, `git://host/path` or scp-like
    /// `git@host:path`, lowercased; the whole input lowercased when nothing matches.
    public static func domain(ofURL url: String) -> String {
        asciiDomain(ofURL: url) ?? domainByCharacters(ofURL: url)
    }

    /// `domain(ofURL:)` of an all-ASCII URL, found on its bytes (the walk by characters
    /// cost a percent of a sync run). On ASCII the two agree byte for byte: every character
    /// is one byte except CR LF, which is none of the delimiters.
    static func asciiDomain(ofURL url: String) -> String? {
        var url = url
        return url.withUTF8 { b -> String? in
            if b.contains(where: { $0 >= 0x80 }) { return nil }
            func first(_ byte: UInt8, _ range: Range<Int>) -> Int? { range.first { b[$0] == byte } }
            func last(_ byte: UInt8, _ range: Range<Int>) -> Int? { range.last { b[$0] == byte } }
            let colon: UInt8 = 0x3A
            let slash: UInt8 = 0x2F
            let at: UInt8 = 0x40
            var start = 0
            var end = b.count
            let scheme =
                b.count < 3
                ? nil : (0...(b.count - 3)).first { b[$0] == colon && b[$0 + 1] == slash && b[$0 + 2] == slash }
            if let scheme {
                start = scheme + 3
                if let s = first(slash, start..<end) { end = s }
                if let a = last(at, start..<end) { start = a + 1 }
                if start < end, b[start] == 0x5B {  // IPv6 literal: up to and with `]`
                    if let close = first(0x5D, start..<end) { end = close + 1 }
                } else if let c = first(colon, start..<end) {
                    end = c
                }
            } else {
                if let a = first(at, start..<end) { start = a + 1 }
                if let c = first(colon, start..<end) { end = c }
                if let s = first(slash, start..<end) { end = s }
            }
            return String(decoding: b[start..<end].map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        }
    }

    /// `domain(ofURL:)` on characters (any URL).
    static func domainByCharacters(ofURL url: String) -> String {
        var rest = Substring(url)
        if let r = schemeEnd(rest) {
            rest = rest[r...]
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
            if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
            if rest.hasPrefix("[") {  // IPv6 literal
                if let close = rest.firstIndex(of: "]") { rest = rest[...close] }
            } else if let colon = rest.firstIndex(of: ":") {
                rest = rest[..<colon]
            }
        } else {
            if let at = rest.firstIndex(of: "@") { rest = rest[rest.index(after: at)...] }
            if let colon = rest.firstIndex(of: ":") { rest = rest[..<colon] }
            if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        }
        return rest.lowercased()
    }
}

/// Index just after `://`, nil when absent (no Foundation here).
private func schemeEnd(_ s: Substring) -> Substring.Index? {
    var i = s.startIndex
    while i < s.endIndex {
        if s[i...].hasPrefix("://") { return s.index(i, offsetBy: 3) }
        i = s.index(after: i)
    }
    return nil
}
