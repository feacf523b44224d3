import Foundation
import Nostr

/// Event tables in memory, for simulations: a run stores a few hundred events, and SQLite's
/// statement machinery cost more than the rest of a run's relay work. It answers exactly as
/// `SQLiteEventTables` does (byte-exact text, the same order and limits); the server keeps
/// SQLite. Indexes: by id, address, kind, author and (tag name, value), and every event in
/// `rowOrder` for filters that name none of those (a time window, or everything).
final class MemoryEventTables: EventTables, EventRows {
    private var byID: [ExactText: NostrEvent] = [:]
    private var ordered: [NostrEvent] = []
    private var byAddress: [ExactAddress: Set<ExactText>] = [:]
    private var byKind: [Int: Set<ExactText>] = [:]
    private var byAuthor: [ExactText: Set<ExactText>] = [:]
    private var byTag: [ExactTag: Set<ExactText>] = [:]
    private var deletedIDs: Set<ExactTag> = []
    private var deletedAddresses: [ExactAddress: Int64] = [:]
    /// A store may be handed between threads; every table operation holds this.
    private let lock = NSLock()

    func write<T>(_ body: (any EventRows) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(self)
    }

    func read<T>(_ body: (any EventRows) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(self)
    }

    func removeAll() throws {
        lock.lock()
        defer { lock.unlock() }
        byID.removeAll(keepingCapacity: true)
        ordered.removeAll(keepingCapacity: true)
        byAddress.removeAll(keepingCapacity: true)
        byKind.removeAll(keepingCapacity: true)
        byAuthor.removeAll(keepingCapacity: true)
        byTag.removeAll(keepingCapacity: true)
        deletedIDs.removeAll(keepingCapacity: true)
        deletedAddresses.removeAll(keepingCapacity: true)
    }

    // MARK: reading

    func contains(id: String) -> Bool { byID[ExactText(id)] != nil }

    func event(id: String) -> NostrEvent? { byID[ExactText(id)] }

    func versions(_ key: ReplacementKey) -> [NostrEvent] {
        (byAddress[ExactAddress(key)] ?? []).compactMap { byID[$0] }
    }

    func count() -> Int { byID.count }

    func matching(_ filter: Filter) -> [NostrEvent] {
        if filter.ids == nil, filter.authors == nil, filter.kinds == nil, filter.tags.isEmpty {
            return inTimeWindow(filter)
        }
        var found = candidates(filter).filter { Self.matches(filter, $0) }
        found.sort(by: rowOrder)
        if let limit = filter.limit, found.count > limit { found.removeSubrange(limit...) }
        return found
    }

    /// Filters on time (and limit) only: a walk down `ordered` from `until` to `since`.
    private func inTimeWindow(_ f: Filter) -> [NostrEvent] {
        var i = f.until.map { until in firstIndex { $0.createdAt <= until } } ?? 0
        var out: [NostrEvent] = []
        while i < ordered.count, out.count < (f.limit ?? Int.max) {
            if let since = f.since, ordered[i].createdAt < since { break }
            out.append(ordered[i])
            i += 1
        }
        return out
    }

    /// The first index of `ordered` where `holds` is true (it must be false, then true).
    private func firstIndex(where holds: (NostrEvent) -> Bool) -> Int {
        var lo = 0
        var hi = ordered.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if holds(ordered[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// A superset of the filter's matches, from the narrowest index the filter names.
    private func candidates(_ f: Filter) -> [NostrEvent] {
        func union(_ sets: [Set<ExactText>?]) -> [NostrEvent] {
            var ids = Set<ExactText>()
            for case let set? in sets { ids.formUnion(set) }
            return ids.compactMap { byID[$0] }
        }
        if let ids = f.ids {
            var seen = Set<ExactText>()
            return ids.compactMap { id in
                let key = ExactText(id)
                return seen.insert(key).inserted ? byID[key] : nil
            }
        }
        if let (name, values) = f.tags.min(by: { $0.value.count < $1.value.count }) {
            return union(values.map { byTag[ExactTag(name, $0)] })
        }
        if let authors = f.authors { return union(authors.map { byAuthor[ExactText($0)] }) }
        if let kinds = f.kinds { return union(kinds.map { byKind[$0] }) }
        return Array(byID.values)
    }

    /// NIP-01 filter matching with byte-exact text.
    static func matches(_ f: Filter, _ e: NostrEvent) -> Bool {
        if let ids = f.ids, !ids.contains(where: { sameBytes($0, e.id) }) { return false }
        if let authors = f.authors, !authors.contains(where: { sameBytes($0, e.pubkey) }) { return false }
        if let kinds = f.kinds, !kinds.contains(e.kind) { return false }
        if let since = f.since, e.createdAt < since { return false }
        if let until = f.until, e.createdAt > until { return false }
        for (name, values) in f.tags {
            let hit = e.tags.contains { t in
                t.count >= 2 && sameBytes(t[0], name) && values.contains { sameBytes($0, t[1]) }
            }
            if !hit { return false }
        }
        return true
    }

    func isDeleted(id: String, by pubkey: String) -> Bool { deletedIDs.contains(ExactTag(id, pubkey)) }

    func deletedUntil(_ key: ReplacementKey) -> Int64? { deletedAddresses[ExactAddress(key)] }

    // MARK: writing

    func store(_ e: NostrEvent) {
        let id = ExactText(e.id)
        byID[id] = e
        ordered.insert(e, at: firstIndex { !rowOrder($0, e) })
        if let key = e.replacementKey { byAddress[ExactAddress(key), default: []].insert(id) }
        byKind[e.kind, default: []].insert(id)
        byAuthor[ExactText(e.pubkey), default: []].insert(id)
        for t in e.tags where t.count >= 2 { byTag[ExactTag(t[0], t[1]), default: []].insert(id) }
    }

    func delete(id: String) {
        let id = ExactText(id)
        guard let e = byID.removeValue(forKey: id) else { return }
        ordered.remove(at: firstIndex { !rowOrder($0, e) })
        if let key = e.replacementKey { Self.remove(id, at: ExactAddress(key), from: &byAddress) }
        Self.remove(id, at: e.kind, from: &byKind)
        Self.remove(id, at: ExactText(e.pubkey), from: &byAuthor)
        for t in e.tags where t.count >= 2 { Self.remove(id, at: ExactTag(t[0], t[1]), from: &byTag) }
    }

    private static func remove<K: Hashable>(_ id: ExactText, at key: K, from index: inout [K: Set<ExactText>]) {
        guard var ids = index[key] else { return }
        ids.remove(id)
        index[key] = ids.isEmpty ? nil : ids
    }

    func rememberDeleted(id: String, by pubkey: String) { deletedIDs.insert(ExactTag(id, pubkey)) }

    func rememberDeleted(_ key: ReplacementKey, until: Int64) {
        let address = ExactAddress(key)
        deletedAddresses[address] = max(deletedAddresses[address] ?? until, until)
    }
}
