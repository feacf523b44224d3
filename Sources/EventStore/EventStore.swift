import Foundation
// EventStore: NIP-01 event storage on SQLite (GRDB) with replaceable/addressable
// semantics, filter queries and NIP-09 deletion.
import GRDB
import Nostr

public final class EventStore: @unchecked Sendable {
    private let db: DatabaseQueue
    /// Results of reads since the last write. Reads are pure functions of the stored data,
    /// and simulations ask the same questions many times between writes; every write (and
    /// `reset`) clears this. Guarded by `cacheLock` (a store may be handed between threads).
    private var queryCache: [[Filter]: [NostrEvent]] = [:]
    private var latestCache: [ReplacementKey: NostrEvent?] = [:]
    private var eventCache: [String: NostrEvent?] = [:]
    private let cacheLock = NSLock()
    /// Serve repeated reads from the cache (on by default; benchmarks turn it off to
    /// measure SQLite itself).
    public var readCache = true
    /// Test double: when it answers true for an operation name (`event`, `latest`,
    /// `query`, `isDeleted`), that read fails as an unreadable database would. Tests use
    /// it to show a store failure is reported, never read as "absent".
    public var readFailureHook: (@Sendable (String) -> Bool)? = nil
    /// Broken variant (`fault.keep_first_on_tie`): of two versions of a replaceable event
    /// with equal `created_at`, the one stored first stays (NIP-01 keeps the lowest id).
    public var faultKeepFirstOnTie = false

    private func checkRead(_ operation: String) throws {
        if let hook = readFailureHook, hook(operation) { throw EventStoreError.readFailed(operation: operation) }
    }

    /// Changes with every write (callers key their own caches on it).
    public var revision: Int { cacheLock.lock(); defer { cacheLock.unlock() }; return writes }
    private var writes = 0

    private func invalidate() {
        cacheLock.lock(); defer { cacheLock.unlock() }
        writes &+= 1
        queryCache.removeAll(keepingCapacity: true)
        latestCache.removeAll(keepingCapacity: true)
        eventCache.removeAll(keepingCapacity: true)
    }

    private func cached<K: Hashable, V>(_ cache: ReferenceWritableKeyPath<EventStore, [K: V]>, _ key: K,
                                        _ compute: () throws -> V) rethrows -> V {
        guard readCache else { return try compute() }
        cacheLock.lock()
        if let v = self[keyPath: cache][key] { cacheLock.unlock(); return v }
        cacheLock.unlock()
        let v = try compute()
        cacheLock.lock(); self[keyPath: cache][key] = v; cacheLock.unlock()
        return v
    }

    /// An in-memory database.
    public convenience init() throws {
        try self.init(queue: DatabaseQueue())
    }

    /// A database file at `path` (created when absent).
    /// In WAL mode with `synchronous=NORMAL`: a committed insert survives the process being
    /// killed (it is in the WAL file), and inserts do not wait for a disk flush each.
    public convenience init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode=WAL")
            try db.execute(sql: "PRAGMA synchronous=NORMAL")
        }
        try self.init(queue: DatabaseQueue(path: path, configuration: config))
    }

    private init(queue: DatabaseQueue) throws {
        db = queue
        try db.write { db in try EventStore.createSchema(db) }
    }

    /// Empties every table, keeping the schema and the prepared-statement cache: a
    /// simulation worker reuses one store across seeds instead of building SQLite anew.
    public func reset() throws {
        readFailureHook = nil
        invalidate()
        try db.write { db in
            for table in ["events", "tags", "deleted_ids", "deleted_addresses"] {
                try db.cachedStatement(sql: "DELETE FROM \(table)").execute()
            }
        }
    }

    public enum InsertOutcome: Equatable, Sendable {
        case stored
        case duplicate
        /// Stored, and these older versions with the same replacement key were removed (sorted).
        case replaced(oldIDs: [String])
        /// A preferred version with the same replacement key already exists; not stored.
        case superseded
        /// The id (or, for addressable/replaceable events, the address up to this created_at)
        /// was deleted by a kind-5 request of the same author; not stored.
        case deleted
        /// Kinds 20000–29999 are never stored.
        case ephemeral
    }

    static func createSchema(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS events (
                id TEXT PRIMARY KEY NOT NULL,
                pubkey TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                kind INTEGER NOT NULL,
                d_tag TEXT,
                content TEXT NOT NULL,
                tags TEXT NOT NULL,
                sig TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS events_created ON events(created_at DESC, id);
            CREATE INDEX IF NOT EXISTS events_kind ON events(kind, created_at DESC);
            CREATE INDEX IF NOT EXISTS events_pubkey ON events(pubkey, created_at DESC);
            CREATE INDEX IF NOT EXISTS events_address ON events(kind, pubkey, d_tag);
            CREATE TABLE IF NOT EXISTS tags (
                event_id TEXT NOT NULL,
                name TEXT NOT NULL,
                value TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS tags_name_value ON tags(name, value, event_id);
            CREATE INDEX IF NOT EXISTS tags_event ON tags(event_id);
            CREATE TABLE IF NOT EXISTS deleted_ids (
                id TEXT NOT NULL,
                pubkey TEXT NOT NULL,
                PRIMARY KEY (id, pubkey)
            );
            CREATE TABLE IF NOT EXISTS deleted_addresses (
                kind INTEGER NOT NULL,
                pubkey TEXT NOT NULL,
                d_tag TEXT NOT NULL,
                until INTEGER NOT NULL,
                PRIMARY KEY (kind, pubkey, d_tag)
            );
            """)
    }

    // MARK: insert

    public func insert(_ e: NostrEvent) throws -> InsertOutcome {
        if e.kindClass == .ephemeral { return .ephemeral }
        invalidate()
        let keepFirstOnTie = faultKeepFirstOnTie
        return try db.write { db in try Self.insert(e, db, keepFirstOnTie: keepFirstOnTie) }
    }

    private static func insert(_ e: NostrEvent, _ db: Database, keepFirstOnTie: Bool = false) throws -> InsertOutcome {
        if try exists(e.id, db) { return .duplicate }
        if e.kind != Kinds.deletion {
            if try db.one(Bool.self, "SELECT 1 FROM deleted_ids WHERE id = ? AND pubkey = ?",
                                 [e.id, e.pubkey]) == true {
                return .deleted
            }
        }
        var outcome = InsertOutcome.stored
        if let key = e.replacementKey {
            if let until = try db.one(Int64.self, """
                SELECT until FROM deleted_addresses WHERE kind = ? AND pubkey = ? AND d_tag = ?
                """, [key.kind, key.pubkey, key.d]), e.createdAt <= until {
                return .deleted
            }
            let existing = try fetch(db, sql: "SELECT \(columns) FROM events WHERE kind = ? AND pubkey = ? AND d_tag = ?",
                                     [key.kind, key.pubkey, key.d])
            if existing.contains(where: { $0.supersedes(e) || (keepFirstOnTie && $0.createdAt == e.createdAt) }) {
                return .superseded
            }
            if !existing.isEmpty {
                let old = existing.map(\.id).sorted()
                for id in old { try delete(id, db) }
                outcome = .replaced(oldIDs: old)
            }
        }
        try store(e, db)
        if e.kind == Kinds.deletion { _ = try applyDeletion(e, db) }
        return outcome
    }

    /// Whether a deletion request of its author already covers `e` (by id, or by
    /// coordinate up to the request's `created_at`): such an event is never stored again.
    public func isDeleted(_ e: NostrEvent) throws -> Bool {
        try checkRead("isDeleted")
        guard e.kind != Kinds.deletion else { return false }
        return try db.inDatabase { db in
            if try db.one(Bool.self, "SELECT 1 FROM deleted_ids WHERE id = ? AND pubkey = ?", [e.id, e.pubkey]) == true {
                return true
            }
            guard let key = e.replacementKey else { return false }
            let until = try db.one(Int64.self, "SELECT until FROM deleted_addresses WHERE kind = ? AND pubkey = ? AND d_tag = ?",
                                   [key.kind, key.pubkey, key.d])
            return until.map { e.createdAt <= $0 } ?? false
        }
    }

    private static func exists(_ id: String, _ db: Database) throws -> Bool {
        try db.one(Bool.self, "SELECT 1 FROM events WHERE id = ?", [id]) == true
    }

    private static func store(_ e: NostrEvent, _ db: Database) throws {
        let d: String? = e.replacementKey?.d
        try db.run("""
            INSERT INTO events (id, pubkey, created_at, kind, d_tag, content, tags, sig)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [e.id, e.pubkey, e.createdAt, e.kind, d, e.content, TagsJSON.encode(e.tags), e.sig])
        for t in e.tags where t.count >= 2 {
            try db.run("INSERT INTO tags (event_id, name, value) VALUES (?, ?, ?)",
                           [e.id, t[0], t[1]])
        }
    }

    private static func delete(_ id: String, _ db: Database) throws {
        try db.run("DELETE FROM tags WHERE event_id = ?", [id])
        try db.run("DELETE FROM events WHERE id = ?", [id])
    }

    // MARK: deletion

    /// NIP-09. `e` tags delete those ids when the author matches; `a` tags (`kind:pubkey:d`,
    /// pubkey = the deletion's author) delete that address's versions with
    /// created_at <= deletion.createdAt. Kind-5 events are never deleted; another author's
    /// events never are. Deleted ids (and addresses) are remembered so that a later insert is
    /// answered `.deleted`. Returns the removed ids, sorted. Non-kind-5 input removes nothing.
    @discardableResult
    public func applyDeletion(_ deletion: NostrEvent) throws -> [String] {
        invalidate()
        return try db.write { db in try Self.applyDeletion(deletion, db) }
    }

    private static func applyDeletion(_ del: NostrEvent, _ db: Database) throws -> [String] {
        guard del.kind == Kinds.deletion else { return [] }
        var removed: [String] = []
        for id in del.tagValues("e") {
            try db.run("INSERT OR IGNORE INTO deleted_ids (id, pubkey) VALUES (?, ?)",
                           [id, del.pubkey])
            let ids = try db.all(String.self, """
                SELECT id FROM events WHERE id = ? AND pubkey = ? AND kind != ?
                """, [id, del.pubkey, Kinds.deletion])
            for victim in ids { try delete(victim, db); removed.append(victim) }
        }
        for coordinate in del.tagValues("a") {
            guard let key = ReplacementKey(coordinate: coordinate), key.pubkey == del.pubkey,
                  key.kind != Kinds.deletion else { continue }
            let cls = KindClass(key.kind)
            guard cls == .replaceable || cls == .addressable else { continue }
            try db.run("""
                INSERT INTO deleted_addresses (kind, pubkey, d_tag, until) VALUES (?, ?, ?, ?)
                ON CONFLICT(kind, pubkey, d_tag) DO UPDATE SET until = max(until, excluded.until)
                """, [key.kind, key.pubkey, key.d, del.createdAt])
            let ids = try db.all(String.self, """
                SELECT id FROM events WHERE kind = ? AND pubkey = ? AND d_tag = ? AND created_at <= ?
                ORDER BY id
                """, [key.kind, key.pubkey, key.d, del.createdAt])
            for victim in ids {
                try db.run("INSERT OR IGNORE INTO deleted_ids (id, pubkey) VALUES (?, ?)",
                               [victim, del.pubkey])
                try delete(victim, db)
                removed.append(victim)
            }
        }
        return Array(Set(removed)).sorted()
    }

    /// Removes an event without remembering it as deleted.
    public func remove(id: String) throws {
        invalidate()
        try db.write { db in try Self.delete(id, db) }
    }

    // MARK: reading

    public func event(id: String) throws -> NostrEvent? {
        try checkRead("event")
        return try cached(\.eventCache, id) {
            try db.inDatabase { db in try Self.fetch(db, sql: "SELECT \(Self.columns) FROM events WHERE id = ?", [id]).first }
        }
    }

    /// The stored (preferred) version for a replaceable/addressable key.
    public func latest(_ key: ReplacementKey) throws -> NostrEvent? {
        try checkRead("latest")
        return try cached(\.latestCache, key) {
            try db.inDatabase { db in
                try Self.fetch(db, sql: """
                    SELECT \(Self.columns) FROM events WHERE kind = ? AND pubkey = ? AND d_tag = ?
                    ORDER BY created_at DESC, id ASC LIMIT 1
                    """, [key.kind, key.pubkey, key.d]).first
            }
        }
    }

    public func count() throws -> Int {
        try db.inDatabase { db in try db.one(Int.self, "SELECT COUNT(*) FROM events") ?? 0 }
    }

    /// The OR of `filters`. Each filter's `limit` applies to its own newest-first results; the
    /// union is deduplicated and ordered newest first, ties by lowest id.
    public func query(_ filters: [Filter]) throws -> [NostrEvent] {
        try checkRead("query")
        return try cached(\.queryCache, filters) { try uncachedQuery(filters) }
    }

    private func uncachedQuery(_ filters: [Filter]) throws -> [NostrEvent] {
        try db.inDatabase { db in
            var seen = Set<String>()
            var out: [NostrEvent] = []
            for f in filters {
                guard let (sql, args) = Self.sql(for: f) else { continue }
                for e in try Self.fetch(db, sql: sql, args) where seen.insert(e.id).inserted {
                    out.append(e)
                }
            }
            out.sort(by: queryOrder)
            return out
        }
    }

    /// SQL for one filter, nil when it cannot match anything.
    static func sql(for f: Filter) -> (String, StatementArguments)? {
        // Preparing a statement is the costly part of a query (GRDB's authorizer runs for
        // every column it reads), and the statement cache is keyed by the SQL text. Lists
        // are padded to a power-of-two length by repeating their last value (IN ignores
        // duplicates), so a handful of texts serve every length and keep their index plans.
        var conditions: [String] = []
        var args: [(any DatabaseValueConvertible)?] = []
        func inList(_ column: String, _ values: [any DatabaseValueConvertible]) {
            let padded = Self.paddedLength(values.count)
            conditions.append("\(column) IN (\(Array(repeating: "?", count: padded).joined(separator: ",")))")
            args.append(contentsOf: values.map { $0 })
            if let last = values.last { args.append(contentsOf: Array(repeating: last, count: padded - values.count)) }
        }
        if let ids = f.ids {
            if ids.isEmpty { return nil }
            inList("id", ids.sorted())
        }
        if let authors = f.authors {
            if authors.isEmpty { return nil }
            inList("pubkey", authors.sorted())
        }
        if let kinds = f.kinds {
            if kinds.isEmpty { return nil }
            inList("kind", kinds.sorted())
        }
        if let since = f.since { conditions.append("created_at >= ?"); args.append(since) }
        if let until = f.until { conditions.append("created_at <= ?"); args.append(until) }
        for name in f.tags.keys.sorted() {
            let values = f.tags[name]!.sorted()
            if values.isEmpty { return nil }
            let padded = Self.paddedLength(values.count)
            conditions.append("EXISTS (SELECT 1 FROM tags t WHERE t.event_id = events.id"
                              + " AND t.name = ? AND t.value IN (\(Array(repeating: "?", count: padded).joined(separator: ","))))")
            args.append(name)
            args.append(contentsOf: values.map { $0 })
            args.append(contentsOf: Array(repeating: values.last!, count: padded - values.count))
        }
        var sql = "SELECT \(columns) FROM events"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY created_at DESC, id ASC"
        if let limit = f.limit {
            if limit <= 0 { return nil }
            sql += " LIMIT ?"
            args.append(limit)
        }
        return (sql, StatementArguments(args))
    }

    /// The next power of two at or above `n` (1 for 0 or 1).
    static func paddedLength(_ n: Int) -> Int {
        var p = 1
        while p < n { p <<= 1 }
        return p
    }

    /// Columns in the order `fetch` decodes them.
    static let columns = "id, pubkey, created_at, kind, content, tags, sig"

    private static func fetch(_ db: Database, sql: String, _ arguments: StatementArguments) throws -> [NostrEvent] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
            let tagsText: String = row[5]
            guard let tags = TagsJSON.decode(tagsText) else {
                throw EventStoreError.corruptTags(id: row[0])
            }
            return NostrEvent(id: row[0], pubkey: row[1], createdAt: row[2], kind: row[3], tags: tags,
                              content: row[4], sig: row[6])
        }
    }
}

public enum EventStoreError: Error, CustomStringConvertible, Equatable {
    case corruptTags(id: String)
    /// A read failed (the database could not be read).
    case readFailed(operation: String)
    public var description: String {
        switch self {
        case let .corruptTags(id): return "stored tags of event \(id) are not a JSON array of string arrays"
        case let .readFailed(operation): return "the event store could not be read (\(operation))"
        }
    }
}

extension Database {
    /// Executes `sql` through GRDB's per-connection statement cache.
    fileprivate func run(_ sql: String, _ arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    fileprivate func one<T: DatabaseValueConvertible & StatementColumnConvertible>(
        _ type: T.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> T? {
        try T.fetchOne(cachedStatement(sql: sql), arguments: arguments)
    }

    fileprivate func all<T: DatabaseValueConvertible & StatementColumnConvertible>(
        _ type: T.Type, _ sql: String, _ arguments: StatementArguments = []) throws -> [T] {
        try T.fetchAll(cachedStatement(sql: sql), arguments: arguments)
    }
}
