import Foundation
// EventStore: NIP-01 event storage with replaceable/addressable semantics, filter queries
// and NIP-09 deletion. The rules live here, once; `EventTables` keeps the rows (SQLite for
// the server, memory for simulations).
import GRDB
import Nostr

public final class EventStore: @unchecked Sendable {
    /// Where the rows live.
    public enum Engine: String, CaseIterable, Sendable {
        /// SQLite (an in-memory database here; `init(path:)` opens a file).
        case sqlite
        /// Swift dictionaries: the simulator's store, held equal to SQLite by a differential test.
        case memory
    }

    public let engine: Engine
    private let tables: any EventTables
    /// Results of reads since the last write. Reads are pure functions of the stored data,
    /// and simulations ask the same questions many times between writes; every write (and
    /// `reset`) clears this. Guarded by `cacheLock` (a store may be handed between threads).
    /// Keyed by bytes, as the tables compare text (two canonically equivalent filters are
    /// two questions).
    private var queryCache: [ExactFilters: [NostrEvent]] = [:]
    private var latestCache: [ExactAddress: NostrEvent?] = [:]
    private var eventCache: [ExactText: NostrEvent?] = [:]
    private let cacheLock = NSLock()
    /// Serve repeated reads from the cache (on by default; benchmarks turn it off to
    /// measure the tables themselves).
    public var readCache = true
    /// Test double: when it answers true for an operation name (`event`, `latest`,
    /// `query`, `isDeleted`), that read fails as an unreadable database would. Tests use
    /// it to show a store failure is reported, never read as "absent".
    public var readFailureHook: (@Sendable (String) -> Bool)? = nil
    /// Broken variant (`variant.keep_first_on_tie`): of two versions of a replaceable event
    /// with equal `created_at`, the one stored first stays (NIP-01 keeps the lowest id).
    public var faultKeepFirstOnTie = false

    private func checkRead(_ operation: String) throws {
        if let hook = readFailureHook, hook(operation) { throw EventStoreError.readFailed(operation: operation) }
    }

    /// Changes with every write (callers key their own caches on it).
    public var revision: Int {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        return writes
    }
    private var writes = 0

    /// Changes with every write that could add or remove an event of `kind` (with `d` as
    /// its `d` tag, when given and the kind is addressable): an insert of such an event, and
    /// any deletion, removal or reset (whatever they touch). Callers whose answers read only
    /// some events key their caches on this instead of `revision`.
    public func revision(ofKind kind: Int, d: String? = nil) -> Int {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        // Only an addressable insert is confined to its `d`: a replaceable one replaces
        // versions whatever their `d` tags.
        let inserts =
            if let d, KindClass(kind) == .addressable {
                insertsByAddress[KindAndD(kind: kind, d: d)]
            } else {
                insertsByKind[kind]
            }
        return (inserts ?? 0) &+ otherWrites
    }
    private struct KindAndD: Hashable {
        var kind: Int
        var d: String
    }
    private var insertsByKind: [Int: Int] = [:]
    private var insertsByAddress: [KindAndD: Int] = [:]
    /// Writes that may remove events of any kind (deletions, removals, resets).
    private var otherWrites = 0

    /// Every write calls this first: `inserting` is the event it inserts (an insert adds it
    /// and removes only older versions of its own address), nil when the write may remove
    /// events of any kind.
    private func invalidate(inserting e: NostrEvent? = nil) {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        writes &+= 1
        if let e, e.kind != Kinds.deletion {
            insertsByKind[e.kind, default: 0] &+= 1
            if e.kindClass == .addressable { insertsByAddress[KindAndD(kind: e.kind, d: e.dTag), default: 0] &+= 1 }
        } else {
            otherWrites &+= 1
        }
        queryCache.removeAll(keepingCapacity: true)
        latestCache.removeAll(keepingCapacity: true)
        eventCache.removeAll(keepingCapacity: true)
    }

    private func cached<K: Hashable, V>(
        _ cache: ReferenceWritableKeyPath<EventStore, [K: V]>, _ key: K,
        _ compute: () throws -> V
    ) rethrows -> V {
        guard readCache else { return try compute() }
        cacheLock.lock()
        if let v = self[keyPath: cache][key] {
            cacheLock.unlock()
            return v
        }
        cacheLock.unlock()
        let v = try compute()
        cacheLock.lock()
        self[keyPath: cache][key] = v
        cacheLock.unlock()
        return v
    }

    /// An empty store that lives only as long as the process.
    public init(engine: Engine = .sqlite) throws {
        self.engine = engine
        switch engine {
        case .sqlite: tables = try SQLiteEventTables(queue: DatabaseQueue())
        case .memory: tables = MemoryEventTables()
        }
    }

    /// A SQLite database file at `path` (created when absent).
    /// In WAL mode with `synchronous=NORMAL`: a committed insert survives the process being
    /// killed (it is in the WAL file), and inserts do not wait for a disk flush each.
    public init(path: String) throws {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode=WAL")
            try db.execute(sql: "PRAGMA synchronous=NORMAL")
        }
        engine = .sqlite
        tables = try SQLiteEventTables(queue: DatabaseQueue(path: path, configuration: config))
    }

    /// Empties the store, keeping what is costly to build (SQLite's schema and statement
    /// cache, the dictionaries' capacity): a simulation worker reuses one store across seeds.
    public func reset() throws {
        readFailureHook = nil
        invalidate()
        try tables.removeAll()
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

    // MARK: insert

    public func insert(_ e: NostrEvent) throws -> InsertOutcome {
        if e.kindClass == .ephemeral { return .ephemeral }
        // SQLite text ends at U+0000: such an event could not be kept (or matched) exactly.
        // Relays refuse it when validating; the store refuses it too, in both engines.
        if e.hasNulCharacter || hasNul(e.id) || hasNul(e.pubkey) || hasNul(e.sig) {
            throw EventStoreError.unstorableText(id: e.id)
        }
        invalidate(inserting: e)
        let keepFirstOnTie = faultKeepFirstOnTie
        return try tables.write { rows in try Self.insert(e, rows, keepFirstOnTie: keepFirstOnTie) }
    }

    private static func insert(_ e: NostrEvent, _ rows: any EventRows, keepFirstOnTie: Bool) throws -> InsertOutcome {
        if try rows.contains(id: e.id) { return .duplicate }
        if e.kind != Kinds.deletion, try rows.isDeleted(id: e.id, by: e.pubkey) { return .deleted }
        var outcome = InsertOutcome.stored
        if let key = e.replacementKey {
            if let until = try rows.deletedUntil(key), e.createdAt <= until { return .deleted }
            let existing = try rows.versions(key)
            if existing.contains(where: { $0.supersedes(e) || (keepFirstOnTie && $0.createdAt == e.createdAt) }) {
                return .superseded
            }
            if !existing.isEmpty {
                let old = existing.map(\.id).sorted()
                for id in old { try rows.delete(id: id) }
                outcome = .replaced(oldIDs: old)
            }
        }
        try rows.store(e)
        if e.kind == Kinds.deletion { _ = try applyDeletion(e, rows) }
        return outcome
    }

    /// Whether a deletion request of its author already covers `e` (by id, or by
    /// coordinate up to the request's `created_at`): such an event is never stored again.
    public func isDeleted(_ e: NostrEvent) throws -> Bool {
        try checkRead("isDeleted")
        guard e.kind != Kinds.deletion else { return false }
        return try tables.read { rows in
            if !hasNul(e.id), !hasNul(e.pubkey), try rows.isDeleted(id: e.id, by: e.pubkey) { return true }
            guard let key = e.replacementKey, !hasNul(key), let until = try rows.deletedUntil(key) else { return false }
            return e.createdAt <= until
        }
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
        return try tables.write { rows in try Self.applyDeletion(deletion, rows) }
    }

    private static func applyDeletion(_ del: NostrEvent, _ rows: any EventRows) throws -> [String] {
        guard del.kind == Kinds.deletion else { return [] }
        var removed: [String] = []
        // Text holding U+0000 names nothing stored (and SQLite would cut it short).
        guard !hasNul(del.pubkey) else { return [] }
        for id in del.tagValues("e") where !hasNul(id) {
            try rows.rememberDeleted(id: id, by: del.pubkey)
            if let victim = try rows.event(id: id), sameBytes(victim.pubkey, del.pubkey), victim.kind != Kinds.deletion
            {
                try rows.delete(id: victim.id)
                removed.append(victim.id)
            }
        }
        for coordinate in del.tagValues("a") {
            guard let key = ReplacementKey(coordinate: coordinate), !hasNul(key), sameBytes(key.pubkey, del.pubkey),
                key.kind != Kinds.deletion
            else { continue }
            let cls = KindClass(key.kind)
            guard cls == .replaceable || cls == .addressable else { continue }
            try rows.rememberDeleted(key, until: del.createdAt)
            for victim in try rows.versions(key) where victim.createdAt <= del.createdAt {
                try rows.rememberDeleted(id: victim.id, by: del.pubkey)
                try rows.delete(id: victim.id)
                removed.append(victim.id)
            }
        }
        return Array(Set(removed)).sorted()
    }

    /// Removes an event without remembering it as deleted.
    public func remove(id: String) throws {
        invalidate()
        guard !hasNul(id) else { return }
        try tables.write { rows in try rows.delete(id: id) }
    }

    // MARK: reading

    public func event(id: String) throws -> NostrEvent? {
        try checkRead("event")
        guard !hasNul(id) else { return nil }
        return try cached(\.eventCache, ExactText(id)) { try tables.read { rows in try rows.event(id: id) } }
    }

    /// The stored (preferred) version for a replaceable/addressable key.
    public func latest(_ key: ReplacementKey) throws -> NostrEvent? {
        try checkRead("latest")
        guard !hasNul(key) else { return nil }
        return try cached(\.latestCache, ExactAddress(key)) {
            try tables.read { rows in try rows.versions(key).min(by: rowOrder) }
        }
    }

    public func count() throws -> Int {
        try tables.read { rows in try rows.count() }
    }

    /// The OR of `filters`. Each filter's `limit` applies to its own newest-first results; the
    /// union is deduplicated and ordered newest first, ties by lowest id.
    public func query(_ filters: [Filter]) throws -> [NostrEvent] {
        try checkRead("query")
        return try cached(\.queryCache, ExactFilters(filters)) { try uncachedQuery(filters) }
    }

    private func uncachedQuery(_ filters: [Filter]) throws -> [NostrEvent] {
        try tables.read { rows in
            var seen = Set<String>()
            var out: [NostrEvent] = []
            for f in filters.compactMap(withoutNul) where f.canMatch {
                for e in try rows.matching(f) where seen.insert(e.id).inserted {
                    out.append(e)
                }
            }
            out.sort(by: queryOrder)
            return out
        }
    }
}

/// Whether text holds U+0000: stored events never do (`insert` refuses them), so text that
/// does names nothing stored. Reads and deletions check it before asking the tables, where
/// SQLite would cut the text short and match something else.
func hasNul(_ text: String) -> Bool { text.utf8.contains(0) }

func hasNul(_ key: ReplacementKey) -> Bool { hasNul(key.pubkey) || hasNul(key.d) }

/// The filter without values holding U+0000 (they match nothing); nil when a tag name
/// holds one. A list left empty then matches nothing (`canMatch`).
func withoutNul(_ f: Filter) -> Filter? {
    if f.tags.keys.contains(where: hasNul) { return nil }
    var f = f
    f.ids = f.ids?.filter { !hasNul($0) }
    f.authors = f.authors?.filter { !hasNul($0) }
    f.tags = f.tags.mapValues { $0.filter { !hasNul($0) } }
    return f
}

public enum EventStoreError: Error, CustomStringConvertible, Equatable {
    case corruptTags(id: String)
    /// A read failed (the database could not be read).
    case readFailed(operation: String)
    /// The event's content or a tag holds U+0000.
    case unstorableText(id: String)
    public var description: String {
        switch self {
        case .corruptTags(let id): return "stored tags of event \(id) are not a JSON array of string arrays"
        case .readFailed(let operation): return "the event store could not be read (\(operation))"
        case .unstorableText(let id): return "event \(id) holds U+0000, which the store cannot keep"
        }
    }
}
