import Foundation
import Nostr

/// The rows an event store keeps and the questions its rules ask of them. The rules
/// themselves (NIP-01 replacement, NIP-09 deletion, the union of a REQ's filters) are
/// written once, in `EventStore`; two tables answer for them: SQLite
/// (`SQLiteEventTables`, the server's) and a copy in memory (`MemoryEventTables`, the
/// simulator's). `EventStoreDifferentialTests` runs random histories through both and
/// finds no difference.
///
/// Text compares by bytes, as SQLite's BINARY collation does, not by Swift's canonical
/// equivalence: "é" and "e\u{301}" are different ids, tag values and addresses.
protocol EventRows {
    func contains(id: String) throws -> Bool
    func event(id: String) throws -> NostrEvent?
    /// Every stored version at an address, in no particular order.
    func versions(_ key: ReplacementKey) throws -> [NostrEvent]
    func count() throws -> Int
    /// The events one filter matches, in `rowOrder`, at most its limit. Only called with
    /// filters that `canMatch`.
    func matching(_ filter: Filter) throws -> [NostrEvent]
    func isDeleted(id: String, by pubkey: String) throws -> Bool
    /// Up to which `created_at` a deletion of the address's author covers it.
    func deletedUntil(_ key: ReplacementKey) throws -> Int64?

    func store(_ e: NostrEvent) throws
    func delete(id: String) throws
    func rememberDeleted(id: String, by pubkey: String) throws
    /// Remembers the later of `until` and what was already remembered.
    func rememberDeleted(_ key: ReplacementKey, until: Int64) throws
}

protocol EventTables: AnyObject {
    /// Runs `body` as one atomic write.
    func write<T>(_ body: (any EventRows) throws -> T) throws -> T
    func read<T>(_ body: (any EventRows) throws -> T) throws -> T
    /// Empties every table.
    func removeAll() throws
}

/// The order of a filter's own results, which decides what its `limit` keeps: newest
/// first, ties by the id's bytes (SQLite's `ORDER BY created_at DESC, id ASC`).
func rowOrder(_ a: NostrEvent, _ b: NostrEvent) -> Bool {
    a.createdAt != b.createdAt ? a.createdAt > b.createdAt : compareBytes(a.id, b.id) < 0
}

/// Equal bytes (SQLite's `=` on TEXT).
func sameBytes(_ a: String, _ b: String) -> Bool {
    a.utf8.count == b.utf8.count && compareBytes(a, b) == 0
}

/// memcmp of the UTF-8 bytes, the shorter first on a common prefix (SQLite's BINARY collation).
func compareBytes(_ a: String, _ b: String) -> Int {
    var a = a
    var b = b
    return a.withUTF8 { x in
        b.withUTF8 { y in
            let common = min(x.count, y.count)
            if common > 0, let p = x.baseAddress, let q = y.baseAddress {
                let c = memcmp(p, q, common)
                if c != 0 { return Int(c) }
            }
            return x.count - y.count
        }
    }
}

extension Filter {
    /// False for filters no event can match (an empty list, a limit of zero or less):
    /// a store skips them without asking its tables.
    var canMatch: Bool {
        if let ids, ids.isEmpty { return false }
        if let authors, authors.isEmpty { return false }
        if let kinds, kinds.isEmpty { return false }
        if tags.values.contains(where: \.isEmpty) { return false }
        if let limit, limit <= 0 { return false }
        return true
    }
}
