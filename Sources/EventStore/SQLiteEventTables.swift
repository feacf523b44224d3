import GRDB
import Nostr

/// Event tables in SQLite (GRDB): the server's, on disk in WAL mode.
final class SQLiteEventTables: EventTables {
    private let queue: DatabaseQueue

    init(queue: DatabaseQueue) throws {
        self.queue = queue
        try queue.write { db in try Self.createSchema(db) }
    }

    func write<T>(_ body: (any EventRows) throws -> T) throws -> T {
        try queue.write { db in try body(SQLiteRows(db: db)) }
    }

    func read<T>(_ body: (any EventRows) throws -> T) throws -> T {
        // The queue already serializes access; a read needs no transaction of its own.
        try queue.inDatabase { db in try body(SQLiteRows(db: db)) }
    }

    /// Keeps the schema and the prepared-statement cache.
    func removeAll() throws {
        try queue.write { db in
            for table in ["events", "tags", "deleted_ids", "deleted_addresses"] {
                try db.cachedStatement(sql: "DELETE FROM \(table)").execute()
            }
        }
    }

    static func createSchema(_ db: Database) throws {
        try db.execute(
            sql: """
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

    /// SQL for one filter, nil when it cannot match anything.
    static func sql(for f: Filter) -> (String, StatementArguments)? {
        guard f.canMatch else { return nil }
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
        if let ids = f.ids { inList("id", ids.sorted()) }
        if let authors = f.authors { inList("pubkey", authors.sorted()) }
        if let kinds = f.kinds { inList("kind", kinds.sorted()) }
        if let since = f.since {
            conditions.append("created_at >= ?")
            args.append(since)
        }
        if let until = f.until {
            conditions.append("created_at <= ?")
            args.append(until)
        }
        for name in f.tags.keys.sorted() {
            let values = f.tags[name]!.sorted()
            let padded = Self.paddedLength(values.count)
            conditions.append(
                "EXISTS (SELECT 1 FROM tags t WHERE t.event_id = events.id"
                    + " AND t.name = ? AND t.value IN (\(Array(repeating: "?", count: padded).joined(separator: ","))))"
            )
            args.append(name)
            args.append(contentsOf: values.map { $0 })
            args.append(contentsOf: Array(repeating: values.last!, count: padded - values.count))
        }
        var sql = "SELECT \(columns) FROM events"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " ORDER BY created_at DESC, id ASC"
        if let limit = f.limit {
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

    /// Columns in the order `SQLiteRows.fetch` decodes them.
    static let columns = "id, pubkey, created_at, kind, content, tags, sig"
}

/// One connection's view of the tables, inside a read or a write.
private struct SQLiteRows: EventRows {
    let db: Database

    func contains(id: String) throws -> Bool {
        try one(Bool.self, "SELECT 1 FROM events WHERE id = ?", [id]) == true
    }

    func event(id: String) throws -> NostrEvent? {
        try fetch("SELECT \(SQLiteEventTables.columns) FROM events WHERE id = ?", [id]).first
    }

    func versions(_ key: ReplacementKey) throws -> [NostrEvent] {
        try fetch(
            "SELECT \(SQLiteEventTables.columns) FROM events WHERE kind = ? AND pubkey = ? AND d_tag = ?",
            [key.kind, key.pubkey, key.d])
    }

    func count() throws -> Int {
        try one(Int.self, "SELECT COUNT(*) FROM events") ?? 0
    }

    func matching(_ filter: Filter) throws -> [NostrEvent] {
        guard let (sql, arguments) = SQLiteEventTables.sql(for: filter) else { return [] }
        return try fetch(sql, arguments)
    }

    func isDeleted(id: String, by pubkey: String) throws -> Bool {
        try one(Bool.self, "SELECT 1 FROM deleted_ids WHERE id = ? AND pubkey = ?", [id, pubkey]) == true
    }

    func deletedUntil(_ key: ReplacementKey) throws -> Int64? {
        try one(
            Int64.self, "SELECT until FROM deleted_addresses WHERE kind = ? AND pubkey = ? AND d_tag = ?",
            [key.kind, key.pubkey, key.d])
    }

    func store(_ e: NostrEvent) throws {
        let d: String? = e.replacementKey?.d
        try run(
            """
            INSERT INTO events (id, pubkey, created_at, kind, d_tag, content, tags, sig)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, [e.id, e.pubkey, e.createdAt, e.kind, d, e.content, TagsJSON.encode(e.tags), e.sig])
        for t in e.tags where t.count >= 2 {
            try run("INSERT INTO tags (event_id, name, value) VALUES (?, ?, ?)", [e.id, t[0], t[1]])
        }
    }

    func delete(id: String) throws {
        try run("DELETE FROM tags WHERE event_id = ?", [id])
        try run("DELETE FROM events WHERE id = ?", [id])
    }

    func rememberDeleted(id: String, by pubkey: String) throws {
        try run("INSERT OR IGNORE INTO deleted_ids (id, pubkey) VALUES (?, ?)", [id, pubkey])
    }

    func rememberDeleted(_ key: ReplacementKey, until: Int64) throws {
        try run(
            """
            INSERT INTO deleted_addresses (kind, pubkey, d_tag, until) VALUES (?, ?, ?, ?)
            ON CONFLICT(kind, pubkey, d_tag) DO UPDATE SET until = max(until, excluded.until)
            """, [key.kind, key.pubkey, key.d, until])
    }

    private func fetch(_ sql: String, _ arguments: StatementArguments) throws -> [NostrEvent] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map { row in
            let tagsText: String = row[5]
            guard let tags = TagsJSON.decode(tagsText) else {
                throw EventStoreError.corruptTags(id: row[0])
            }
            return NostrEvent(
                id: row[0], pubkey: row[1], createdAt: row[2], kind: row[3], tags: tags,
                content: row[4], sig: row[6])
        }
    }

    /// Executes `sql` through GRDB's per-connection statement cache.
    private func run(_ sql: String, _ arguments: StatementArguments = []) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    private func one<T: DatabaseValueConvertible & StatementColumnConvertible>(
        _ type: T.Type, _ sql: String, _ arguments: StatementArguments = []
    ) throws -> T? {
        try T.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }
}
