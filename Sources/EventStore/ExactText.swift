import Foundation
import Nostr

// Keys that compare text by bytes, as SQLite does (Swift's String compares by canonical
// equivalence: "é" and "e\u{301}" would be one key). The in-memory tables index by them,
// and the store's read caches are keyed by them.

/// A string that hashes and compares by its UTF-8 bytes.
struct ExactText: Hashable {
    let text: String
    init(_ text: String) { self.text = text }
    static func == (a: ExactText, b: ExactText) -> Bool { sameBytes(a.text, b.text) }
    func hash(into hasher: inout Hasher) { hashBytes(text, into: &hasher) }
}

/// Two strings compared by bytes: a (tag name, value) row, or a deleted (id, author).
struct ExactTag: Hashable {
    let first: String
    let second: String
    init(_ first: String, _ second: String) {
        self.first = first
        self.second = second
    }
    static func == (a: ExactTag, b: ExactTag) -> Bool { sameBytes(a.first, b.first) && sameBytes(a.second, b.second) }
    func hash(into hasher: inout Hasher) {
        hashBytes(first, into: &hasher)
        hashBytes(second, into: &hasher)
    }
}

/// An address (kind, author, d) compared by bytes.
struct ExactAddress: Hashable {
    let key: ReplacementKey
    init(_ key: ReplacementKey) { self.key = key }
    static func == (a: ExactAddress, b: ExactAddress) -> Bool {
        a.key.kind == b.key.kind && sameBytes(a.key.pubkey, b.key.pubkey) && sameBytes(a.key.d, b.key.d)
    }
    func hash(into hasher: inout Hasher) {
        hasher.combine(key.kind)
        hashBytes(key.pubkey, into: &hasher)
        hashBytes(key.d, into: &hasher)
    }
}

/// Feeds a string's UTF-8 bytes and their count (which separates fields) to `hasher`.
func hashBytes(_ text: String, into hasher: inout Hasher) {
    var text = text
    text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    hasher.combine(text.utf8.count)
}

/// A REQ's filters as a cache key, every string compared by bytes.
struct ExactFilters: Hashable {
    let filters: [Filter]
    init(_ filters: [Filter]) { self.filters = filters }

    static func == (a: ExactFilters, b: ExactFilters) -> Bool {
        a.filters.count == b.filters.count && zip(a.filters, b.filters).allSatisfy(same)
    }

    private static func same(_ x: Filter, _ y: Filter) -> Bool {
        func strings(_ p: [String]?, _ q: [String]?) -> Bool {
            switch (p, q) {
            case (nil, nil): return true
            case (let p?, let q?): return p.count == q.count && zip(p, q).allSatisfy(sameBytes)
            default: return false
            }
        }
        guard x.kinds == y.kinds, x.since == y.since, x.until == y.until, x.limit == y.limit,
            strings(x.ids, y.ids), strings(x.authors, y.authors), x.tags.count == y.tags.count
        else { return false }
        // Tag names are compared by bytes too: pair each name with the one of equal bytes.
        for (name, values) in x.tags {
            guard let match = y.tags.first(where: { sameBytes($0.key, name) }), strings(values, match.value) else {
                return false
            }
        }
        return true
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(filters.count)
        for f in filters {
            hasher.combine(f.kinds)
            hasher.combine(f.since)
            hasher.combine(f.until)
            hasher.combine(f.limit)
            for list in [f.ids, f.authors] {
                hasher.combine(list?.count ?? -1)
                for s in list ?? [] { hashBytes(s, into: &hasher) }
            }
            // Tag order in a dictionary is arbitrary: combine an order-free sum of per-tag hashes.
            var tagSum = 0
            for (name, values) in f.tags {
                var h = Hasher()
                hashBytes(name, into: &h)
                for v in values { hashBytes(v, into: &h) }
                tagSum &+= h.finalize()
            }
            hasher.combine(f.tags.count)
            hasher.combine(tagSum)
        }
    }
}
