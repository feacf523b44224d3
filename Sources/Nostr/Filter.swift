/// A NIP-01 filter. Absent fields match everything; all present conditions must hold.
public struct Filter: Hashable, Sendable {
    public var ids: [String]?
    public var authors: [String]?
    public var kinds: [Int]?
    /// Tag filters by single letter: `#e` is `tags["e"]`.
    public var tags: [String: [String]]
    public var since: Int64?
    public var until: Int64?
    public var limit: Int?

    public init(
        ids: [String]? = nil, authors: [String]? = nil, kinds: [Int]? = nil,
        tags: [String: [String]] = [:], since: Int64? = nil, until: Int64? = nil,
        limit: Int? = nil
    ) {
        self.ids = ids
        self.authors = authors
        self.kinds = kinds
        self.tags = tags
        self.since = since
        self.until = until
        self.limit = limit
    }

    public func matches(_ e: NostrEvent) -> Bool {
        if let ids, !ids.contains(e.id) { return false }
        if let authors, !authors.contains(e.pubkey) { return false }
        if let kinds, !kinds.contains(e.kind) { return false }
        if let since, e.createdAt < since { return false }
        if let until, e.createdAt > until { return false }
        for (letter, values) in tags {
            let hit = e.tags.contains { t in t.count >= 2 && t[0] == letter && values.contains(t[1]) }
            if !hit { return false }
        }
        return true
    }
}

extension Array where Element == Filter {
    /// A REQ's filters OR together.
    public func matches(_ e: NostrEvent) -> Bool { contains { $0.matches(e) } }
}

/// NIP-01 initial-query order: newest first, ties by lowest id.
public func queryOrder(_ a: NostrEvent, _ b: NostrEvent) -> Bool {
    a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id < b.id
}
